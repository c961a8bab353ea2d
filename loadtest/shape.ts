/**
 * `deno task shape`: what the shape of a purchase answer costs in Deno's HTTP server before any
 * code of the app runs, against the hello world `deno task bench` measures the platform by. Each
 * answer of loadtest/shape_server.ts is served as the bench serves hello world (`deno serve
 * --parallel`), loaded with the bench's purchase POSTs (wrk, 1 thread), one after the other, in
 * rounds, so that this VM's drift between runs shows as a spread, not as a difference.
 *
 *   deno task shape [--rounds 3] [--seconds 4] [--connections 100]
 *
 * Prints, per round and shape: requests/s, the ratio to hello world in that round, and the CPU µs
 * per request of the server and of wrk (from /proc).
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
const SHAPES = ["hello", "read-body", "refusal", "sold-out"];
const ROOT = new URL("../", import.meta.url).pathname;

async function wrk(url: string, seconds: number): Promise<{ requests: number; cpu: number }> {
  const args = [
    "-t1",
    `-c${values.connections}`,
    `-d${seconds}s`,
    "-s",
    `${ROOT}loadtest/wrk/purchase.lua`,
    url,
    "--",
    "/",
    `shape${Date.now().toString(36)}`,
  ];
  const { out, cpu } = await wrkWithCpu(args);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  if (!requests) throw new Error(`wrk failed: ${out}`);
  return { requests, cpu };
}

async function measure(shape: string, seconds: number) {
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
    await wrk(url, 1); // warm: the JIT and the connections
    const groups = { server: tree(server.pid) };
    const before = readCpu(groups).server!;
    const run = await wrk(url, seconds);
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
console.log(`${values.connections} connections, ${seconds} s per run, wrk -t1, purchase POSTs\n`);
console.log("| round | shape | requests/s | × hello | server µs/req | wrk µs/req |");
console.log("|---|---|---:|---:|---:|---:|");
for (let round = 1; round <= Number(values.rounds); round++) {
  let hello = NaN;
  for (const shape of SHAPES) {
    const r = await measure(shape, seconds);
    if (shape === "hello") hello = r.rps;
    console.log(
      `| ${round} | ${shape} | ${Math.round(r.rps)} | ${(r.rps / hello).toFixed(3)} | ` +
        `${r.server.toFixed(1)} | ${r.wrk.toFixed(1)} |`,
    );
  }
}
