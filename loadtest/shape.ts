/**
 * `deno task shape`: what the shape of a purchase answer costs in Deno's HTTP server before any
 * code of the app runs, against the hello world `deno task bench` measures the platform by. Each
 * answer of loadtest/shape_server.ts is served as the bench serves hello world (`deno serve
 * --parallel`), loaded with the bench's purchase POSTs (wrk, 1 thread), or with plain GETs for the
 * shape of a status read, one after the other, in rounds, so that this VM's drift between runs shows
 * as a spread, not as a difference.
 *
 *   deno task shape [--rounds 3] [--seconds 4] [--connections 100]
 *
 * Prints, per round and shape: requests/s, the ratio to hello world's answer to the same method in
 * that round, and the CPU µs per request of the server and of wrk (from /proc).
 */
import { parseArgs } from "node:util";
import { readCpu, tree } from "./cpu.ts";
import { freePort, wrkWithCpu } from "./harness.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "4" },
    connections: { type: "string", default: "100" },
  },
});
/** Each shape with the requests wrk sends it: the bench's purchase POSTs, or plain GETs. */
type Method = "POST" | "GET";
const SHAPES: { shape: string; method: Method }[] = [
  { shape: "hello", method: "POST" },
  { shape: "read-body", method: "POST" },
  { shape: "refusal", method: "POST" },
  { shape: "sold-out", method: "POST" },
  { shape: "hello", method: "GET" },
  { shape: "status", method: "GET" },
];
const ROOT = new URL("../", import.meta.url).pathname;

async function wrk(
  url: string,
  seconds: number,
  method: Method,
): Promise<{ requests: number; cpu: number }> {
  const purchases = ["-s", `${ROOT}loadtest/wrk/purchase.lua`, url, "--", "/"];
  const args = [
    "-t1",
    `-c${values.connections}`,
    `-d${seconds}s`,
    ...(method === "GET" ? [url] : [...purchases, `shape${Date.now().toString(36)}`]),
  ];
  const { out, cpu } = await wrkWithCpu(args);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  if (!requests) throw new Error(`wrk failed: ${out}`);
  return { requests, cpu };
}

async function measure({ shape, method }: { shape: string; method: Method }, seconds: number) {
  const port = freePort();
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "serve",
      "--parallel",
      "--allow-env",
      "--allow-read",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "loadtest/shape_server.ts",
    ],
    cwd: ROOT,
    env: { SHAPE: shape },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const url = `http://127.0.0.1:${port}/`;
    for (let i = 0;; i++) {
      try {
        await (await fetch(url, { method: "POST", body: '{"userId":"warm"}' })).body?.cancel();
        break;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await wrk(url, 1, method); // warm: the JIT and the connections
    const groups = { server: tree(server.pid) };
    const before = readCpu(groups).server!;
    const run = await wrk(url, seconds, method);
    const serverCpu = readCpu(groups).server! - before;
    return {
      rps: run.requests / seconds,
      server: serverCpu * 1e6 / run.requests,
      wrk: run.cpu * 1e6 / run.requests,
    };
  } finally {
    server.kill("SIGTERM");
    await server.status;
  }
}

const seconds = Number(values.seconds);
console.log(`${values.connections} connections, ${seconds} s per run, wrk -t1\n`);
console.log("| round | shape | method | requests/s | × hello | server µs/req | wrk µs/req |");
console.log("|---|---|---|---:|---:|---:|---:|");
for (let round = 1; round <= Number(values.rounds); round++) {
  // Each shape against hello world's answer to the same requests, in the same round.
  const hello: Record<Method, number> = { POST: NaN, GET: NaN };
  for (const s of SHAPES) {
    const r = await measure(s, seconds);
    if (s.shape === "hello") hello[s.method] = r.rps;
    console.log(
      `| ${round} | ${s.shape} | ${s.method} | ${Math.round(r.rps)} | ${
        (r.rps / hello[s.method]).toFixed(3)
      } | ${r.server.toFixed(1)} | ${r.wrk.toFixed(1)} |`,
    );
  }
}
