/**
 * What the benchmarks (`deno task bench`, `deno task shape`) and the tests that start processes
 * share: a port for a server they start, wrk run so that its own CPU is known, and waiting for a
 * child's line.
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

/**
 * Reads a child's output until `pattern` appears (or `timeoutMs` passes: then it throws), and
 * keeps reading it afterwards, so the child never blocks on a full pipe.
 */
export async function waitForLine(
  stream: ReadableStream<Uint8Array>,
  pattern: RegExp,
  timeoutMs: number,
  /** Gets everything the process prints, up to the pattern and after. */
  sink: (text: string) => void = () => {},
): Promise<void> {
  // A TextDecoder, not a TextDecoderStream: the latter's types clash once the islands' DOM lib is
  // in the same type-check.
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  const timer = setTimeout(() => reader.cancel(), timeoutMs);
  try {
    while (!pattern.test(seen)) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`process ended before printing ${pattern}: ${seen}`);
      const text = decoder.decode(value, { stream: true });
      sink(text);
      seen += text;
    }
  } finally {
    clearTimeout(timer);
  }
  // Keep draining so the child never blocks on a full pipe.
  (async () => {
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        sink(decoder.decode(r.value, { stream: true }));
      }
    } catch { /* the process was killed */ }
  })();
}
