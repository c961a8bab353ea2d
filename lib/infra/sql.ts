/**
 * Loads named queries from a `.sql` file that sits next to the module using them. Each query
 * starts with a line `-- name: <queryName>`; parameters are `$1`, `$2`, … Keeping SQL in `.sql`
 * files lets it be read, linted and explained as SQL.
 */
export async function loadQueries<N extends string>(
  url: URL,
  names: readonly N[],
): Promise<Record<N, string>> {
  const text = await Deno.readTextFile(url);
  const found = new Map<string, string>();
  for (const part of text.split(/^-- name: */m).slice(1)) {
    const newline = part.indexOf("\n");
    found.set(part.slice(0, newline).trim(), part.slice(newline + 1).trim());
  }
  const out = {} as Record<N, string>;
  for (const name of names) {
    const q = found.get(name);
    if (q === undefined) throw new Error(`${url.pathname}: no query named ${name}`);
    out[name] = q;
  }
  return out;
}
