/**
 * The bench's load generator: wrk when it is installed, else a fetch loop, so the bench runs
 * without wrk too (with worse numbers). Around each run it reads the CPU of the process groups it
 * is given and of the whole machine, from /proc, and returns it per request: where the budget goes.
 */
import { type Group, machineCpu, readCpu } from "./cpu.ts";
import { wrkWithCpu } from "./harness.ts";

/** One run's figures. */
export interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /**
   * CPU microseconds per request by process group (the load generator's only with wrk), and the
   * whole machine's ("machine").
   */
  cpu: Record<string, number>;
  /** Cores the whole machine kept busy during the run, of navigator.hardwareConcurrency. */
  busy: number;
}

/** How long and how wide each run is, and whose CPU it reads. */
export interface Load {
  seconds: number;
  connections: number;
  /** wrk's threads (the fetch loop runs on the bench's own). */
  threads: number;
  /** The process groups whose CPU a run reads: set before each run, as the server changes. */
  groups: Record<string, Group>;
}

/** CPU seconds of each group and of the whole machine, and the machine's elapsed CPU seconds. */
function reading(groups: Record<string, Group>): { spent: Record<string, number>; all: number } {
  const machine = machineCpu();
  return { spent: { ...readCpu(groups), machine: machine.busy }, all: machine.all };
}

/** Cores busy between two readings. */
function busyCores(before: ReturnType<typeof reading>, after: ReturnType<typeof reading>): number {
  const elapsed = (after.all - before.all) / navigator.hardwareConcurrency;
  return elapsed > 0 ? (after.spent.machine! - before.spent.machine!) / elapsed : NaN;
}

/** CPU µs per request of each group between two readings (plus ones measured otherwise). */
function perRequest(
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
  extra: Record<string, number> = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  const spent = {
    ...Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!])),
    ...extra,
  };
  for (const [name, seconds] of Object.entries(spent)) {
    out[name] = requests > 0 ? seconds * 1e6 / requests : NaN;
  }
  return out;
}

/** Whether wrk is on the PATH. */
export function hasWrk(): boolean {
  try {
    new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

/** One of wrk's durations ("812.00us", "1.20ms", "2.01s") in milliseconds. */
function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

/**
 * A wrk run of `url` (with a Lua `script` given `args`, if any) at `open` connections; `flags` go
 * to wrk as they are.
 */
export async function runWrk(
  load: Load,
  name: string,
  url: string,
  script?: string,
  args: string[] = [],
  open = load.connections,
  flags: string[] = [],
): Promise<Result> {
  const cmd = [
    `-t${load.threads}`,
    `-c${open}`,
    `-d${load.seconds}s`,
    "--latency",
    ...flags,
    ...(script ? ["-s", script] : []),
    url,
    ...(args.length ? ["--", ...args] : []),
  ];
  const before = reading(load.groups);
  const { out, cpu: loadCpu } = await wrkWithCpu(cmd);
  const after = reading(load.groups);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const pct = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(out)?.[1] ?? "");
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    name,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: pct("50"),
    p99: pct("99"),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    errors: errors ? errors.slice(1).reduce((n, x) => n + Number(x), 0) : 0,
    cpu: perRequest(before.spent, after.spent, requests, { "load generator": loadCpu }),
    busy: busyCores(before, after),
  };
}

/** The fallback generator: `open` fetch loops for the load's seconds, request `i` made by `make`. */
export async function runFetch(
  load: Load,
  name: string,
  make: (i: number) => Request,
  open = load.connections,
): Promise<Result> {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let n = 0;
  const before = reading(load.groups);
  const until = performance.now() + load.seconds * 1000;
  await Promise.all(Array.from({ length: open }, async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        const res = await fetch(make(n++));
        await res.arrayBuffer();
        if (res.status >= 300) non2xx++;
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }));
  const after = reading(load.groups);
  const cpu = perRequest(before.spent, after.spent, latencies.length);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.floor(p * (latencies.length - 1))] ?? 0;
  return {
    name,
    rps: latencies.length / load.seconds,
    p50: at(0.5),
    p99: at(0.99),
    non2xx,
    errors,
    cpu,
    busy: busyCores(before, after),
  };
}
