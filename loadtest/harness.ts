/**
 * What the benchmarks (`deno task bench`, `deno task shape`) share: a port for a server they
 * start, and wrk run so that its own CPU is known.
 */
import { childCpuOf } from "./cpu.ts";

/** A port nobody listens on right now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Runs wrk with `args` and returns what it printed and the CPU seconds it used: wrk runs under a
 * shell that prints its own /proc stat once wrk has exited, and the shell's children time is wrk's.
 */
export async function wrkWithCpu(args: string[]): Promise<{ out: string; cpu: number }> {
  const done = await new Deno.Command("sh", {
    args: ["-c", 'wrk "$@"; cat /proc/$$/stat >&2', "sh", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stat = new TextDecoder().decode(done.stderr).trim().split("\n").at(-1) ?? "";
  return { out: new TextDecoder().decode(done.stdout), cpu: childCpuOf(stat) };
}
