/**
 * The one small interface the platform reaches Redis through (DESIGN §3). Two adapters implement
 * it: TCP (`tcp.ts`) for self-hosted speed and REST for the edge. Everything above `lib/infra/redis/`
 * depends on this file only.
 */

/** A Lua script, loaded once and run by its SHA-1 (EVALSHA, then EVAL on NOSCRIPT). */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** A Redis reply as the scripts return it: integers, strings, nil, nested arrays. */
export type Reply = null | number | string | Reply[];

export interface RedisClient {
  /** Runs a script atomically; one round trip unless the server does not know it yet. */
  evalScript(script: Script, keys: string[], args: (string | number)[]): Promise<Reply>;
  get(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<number>;
  /** Every field of a hash ({} when it does not exist). */
  hgetall(key: string): Promise<Record<string, string>>;
  /** Fields in a hash (0 when it does not exist). */
  hlen(key: string): Promise<number>;
  /** Entries of a stream between two ids (inclusive, `-` and `+` for the ends). */
  xrange(key: string, start: string, end: string, count: number): Promise<StreamEntry[]>;
  xdel(key: string, ids: string[]): Promise<number>;
  /** Entries in a stream (0 when it does not exist). */
  xlen(key: string): Promise<number>;
  publish(channel: string, message: string): Promise<void>;
  /** Calls `onMessage` for each message on `channel` until the returned function is called. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Redis could not be reached (a REST endpoint that refused, timed out or answered garbage): the
 * command may not have run, and a retry is the caller's to decide. The API answers 503.
 */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

/** A Redis error reply such as NOSCRIPT or WRONGTYPE, as opposed to a connection fault. */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.includes("NOSCRIPT");
}

export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads a `.lua` file that sits next to the module loading it. */
export async function loadScript(url: URL): Promise<Script> {
  const source = await Deno.readTextFile(url);
  const name = url.pathname.split("/").pop() ?? url.pathname;
  return { name, source, sha: await sha1Hex(source) };
}

/** Loads the `.lua` files named `names` from the folder `dir`, by name. */
export async function loadScripts<N extends string>(
  dir: URL,
  names: readonly N[],
): Promise<Record<N, Script>> {
  const entries = await Promise.all(
    names.map(async (name) => [name, await loadScript(new URL(`${name}.lua`, dir))] as const),
  );
  return Object.fromEntries(entries) as Record<N, Script>;
}

/** A script's reply that must be an array, as every script's whole reply here is. */
export function arrayReply(value: Reply): Reply[] {
  if (!Array.isArray(value)) throw new Error(`unexpected script reply ${JSON.stringify(value)}`);
  return value;
}
