import { assertEquals } from "../helpers/assert.ts";

const ROOT = new URL("../../", import.meta.url);

/**
 * The layers, bottom to top (docs/architecture.md): a file may import its own layer and those
 * below it, never one above. The browser build sits under the web layer because lib/web/islands.ts
 * reads the build's asset manifest type, and the composition root sits above the routes so that no
 * route can reach the whole platform.
 */
const LAYERS: [name: string, prefixes: string[]][] = [
  ["domain", ["lib/domain/"]],
  ["infra", ["lib/infra/"]],
  ["identity", ["lib/identity/"]],
  ["gate", ["lib/gate/"]],
  ["line", ["lib/line/"]],
  ["orders", ["lib/orders/"]],
  ["recovery", ["lib/recovery/"]],
  ["checkout", ["lib/checkout/"]],
  ["sales", ["lib/sales/"]],
  ["build", ["lib/build.ts", "lib/client/"]],
  ["web", ["lib/web/"]],
  ["islands", ["islands/"]],
  ["components", ["components/"]],
  ["routes", ["routes/", "routes.gen.ts"]],
  ["root", ["lib/platform.ts", "lib/supervisor.ts", "app.ts", "main.ts"]],
];

function layerOf(path: string): number {
  const i = LAYERS.findIndex(([, prefixes]) => prefixes.some((p) => path.startsWith(p)));
  return i;
}

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) yield* sources(`${path}/`);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

/** Relative imports (static, type-only and dynamic) of one file, as paths from the root. */
function importsOf(path: string, text: string): string[] {
  const found = text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g);
  return [...found].map((m) => new URL(m[1]!, new URL(path, ROOT)).href.slice(ROOT.href.length));
}

/** Every import against the order, and every route file importing another route file. */
export async function violations(): Promise<string[]> {
  const found: string[] = [];
  for (const dir of ["lib/", "routes/", "islands/", "components/"]) {
    for await (const path of sources(dir)) {
      const from = layerOf(path);
      if (from < 0) found.push(`${path} is in no layer`);
      for (const target of importsOf(path, await Deno.readTextFile(new URL(path, ROOT)))) {
        const to = layerOf(target);
        if (to > from) {
          found.push(`${path} (${LAYERS[from]?.[0]}) imports ${target} (${LAYERS[to]?.[0]})`);
        }
        if (path.startsWith("routes/") && target.startsWith("routes/")) {
          found.push(`${path} imports another route file, ${target}`);
        }
      }
    }
  }
  return found;
}

Deno.test("no file imports a layer above its own, and no route file imports another", async () => {
  assertEquals(await violations(), []);
});

/**
 * The import loops within `dirs`, each as the files around it, first file the smallest path. A loop
 * of type-only imports counts too: a reader of such a folder has no bottom to start from.
 */
export async function loops(dirs: string[]): Promise<string[][]> {
  const graph = new Map<string, string[]>();
  for (const dir of dirs) {
    for await (const path of sources(dir)) {
      const text = await Deno.readTextFile(new URL(path, ROOT));
      graph.set(path, importsOf(path, text).filter((t) => dirs.some((d) => t.startsWith(d))));
    }
  }
  const found = new Map<string, string[]>();
  // Depth-first from every file; a path back to a file on the stack is a loop.
  const walk = (path: string, stack: string[]) => {
    const at = stack.indexOf(path);
    if (at >= 0) {
      const loop = stack.slice(at);
      const first = loop.indexOf([...loop].sort()[0]!);
      const key = [...loop.slice(first), ...loop.slice(0, first)];
      found.set(key.join(" -> "), key);
      return;
    }
    for (const next of graph.get(path) ?? []) walk(next, [...stack, path]);
  };
  for (const path of [...graph.keys()].sort()) walk(path, []);
  return [...found.values()];
}

Deno.test("no import loops in lib/, routes/, islands/, components/ or loadtest/", async () => {
  const found = await loops(["lib/", "routes/", "islands/", "components/", "loadtest/"]);
  assertEquals(found.map((loop) => [...loop, loop[0]].join(" -> ")), []);
});
