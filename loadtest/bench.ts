/**
 * `deno task bench`: the purchase path measured against the machine's ceiling, in one run and
 * with one load generator (loadtest/generator.ts: wrk if installed, else a fetch loop), so the
 * ratios mean something:
 *
 *   1. a bare hello world (`deno serve --parallel`, one process per core as the platform runs),
 *      with the purchase script's POSTs and with plain GETs: the ceilings
 *   2. the purchase rush: stock that never runs out, so every request is a sale committed to
 *      PostgreSQL (ratio to hello world's POST)
 *   3. sold-out rejections, new shoppers each (ratio to hello world's POST)
 *   4. status reads, GET /api/sales/:id (ratio to hello world's GET)
 *   5. the purchase floor: the rush's work with none of the app's code (loadtest/floor_server.ts),
 *      so the rush row can be read against what the stack itself costs (ratio to hello world's POST)
 *   6. the shop's pages, GET / and GET /api/sales, over 10,000 sales (most ended): their size
 *      and speed must not grow with the shop's history
 *
 * Next to each run it prints the CPU per request of each process group (server, Redis,
 * PostgreSQL, load generator), read from /proc around the run: where the budget goes.
 *
 * It starts its own servers on free ports, against its own database and Redis key prefix, and
 * checks the invariants of the rush afterwards (rows in PostgreSQL vs Redis, one order per shopper).
 * With `--rounds N` it runs rows 1-5 N times over, in the same order, and adds a table of the
 * medians with each ratio's lowest and highest: on a VM whose speed drifts, one round's ratio may
 * be off because hello world ran in a faster minute than the row.
 *
 *   deno task bench [--seconds 10] [--connections 100] [--threads 1] [--workers N] [--rounds 1]
 */
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import postgres from "postgres";
import { named, tree } from "./cpu.ts";
import { hasWrk, type Load, type Result, runFetch, runWrk } from "./generator.ts";
import { freePort, waitForLine } from "./harness.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "100" },
    threads: { type: "string", default: "1" },
    workers: { type: "string" },
    rounds: { type: "string", default: "1" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const threads = Number(values.threads);
const rounds = Number(values.rounds);
const ROOT = new URL("../", import.meta.url).pathname;
const PG = "postgres://postgres@127.0.0.1:5432";
const REDIS_URL = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

const useWrk = hasWrk();
const load: Load = { seconds, connections, threads, groups: {} };

const runId = `b${Date.now().toString(36)}`;
const token = crypto.randomUUID();
const dbName = `fs_bench_${runId}`;
const measured: Round[] = [];
const children: Deno.ChildProcess[] = [];

/** A run of purchase POSTs to `base` + `path`, each by a shopper never seen before. */
function runPurchases(name: string, base: string, path: string, tag: string): Promise<Result> {
  return useWrk
    ? runWrk(load, name, base, `${ROOT}loadtest/wrk/purchase.lua`, [path, `${runId}${tag}`])
    : runFetch(load, name, (i) =>
      new Request(base + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: `${runId}-${tag}-${i}` }),
      }));
}

/** A run of plain GETs of `url`; wrk's `flags` go only to wrk (the fetch loop has no timeout). */
function runGets(name: string, url: string, open = connections, flags: string[] = []) {
  return useWrk
    ? runWrk(load, name, url, undefined, [], open, flags)
    : runFetch(load, name, () => new Request(url), open);
}

function start(
  args: string[],
  env: Record<string, string> = {},
  stdout: "null" | "piped" = "null",
): Deno.ChildProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    stdout,
    stderr: "inherit",
  }).spawn();
  children.push(child);
  return child;
}

/** Serves `file` with `deno serve --parallel` on a free port; resolves once it answers. */
async function serveParallel(
  file: string,
  flags: string[] = [],
  env: Record<string, string> = {},
): Promise<{ child: Deno.ChildProcess; base: string }> {
  const port = freePort();
  const args = ["serve", "--parallel", ...flags, "--host", "127.0.0.1", "--port", String(port)];
  const child = start([...args, file], env);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/`);
  return { child, base };
}

/**
 * Starts the platform and resolves once every worker listens: the supervisor prints its start
 * line only then, while /health answers as soon as the first one does. wrk opens its connections
 * once, at its start: opened before the other workers listen, they would all stay on the first.
 * Three minutes: over 10,000 sales a start takes longer.
 */
async function startPlatform(env: Record<string, string>): Promise<Deno.ChildProcess> {
  const child = start(["run", "--unstable-net", "-A", "main.ts"], env, "piped");
  await waitForLine(child.stdout, /flash sale listening on/, 180_000);
  return child;
}

async function stop(child: Deno.ChildProcess, signal: Deno.Signal = "SIGTERM"): Promise<void> {
  try {
    child.kill(signal);
  } catch { /* gone */ }
  await child.status;
}

/** One round's rows, in the order they run; each ratio is to its own round's hello world. */
interface Round {
  helloPost: Result;
  helloGet: Result;
  rush: Result;
  soldOut: Result;
  status: Result;
  floor: Result;
}

/** The rows of a round, each with its ceiling (hello world's POST or GET, of the same round). */
function rows(r: Round): [Result, Result | undefined][] {
  return [
    [r.helloPost, undefined],
    [r.helloGet, undefined],
    [r.rush, r.helloPost],
    [r.soldOut, r.helloPost],
    [r.status, r.helloGet],
    [r.floor, r.helloPost],
  ];
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const admin = postgres(`${PG}/postgres`, { max: 1, onnotice: () => {} });
try {
  console.error(
    `load generator: ${useWrk ? "wrk" : "fetch loop (install wrk for better numbers)"}`,
  );
  console.error(
    `${connections} connections, ${seconds} s per run, ${rounds} round${
      rounds === 1 ? "" : "s"
    }, ${navigator.hardwareConcurrency} cores`,
  );

  // Where the CPU goes: Redis is the one the platform talks to, PostgreSQL is every backend.
  const redisInfo = new Redis(REDIS_URL);
  const redisPid = Number(/process_id:(\d+)/.exec(await redisInfo.info("server"))?.[1]);
  redisInfo.disconnect();
  const servicesGroups = { redis: tree(redisPid), postgres: named("postgres") };
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const platformEnv = {
    PORT: String(port),
    DATABASE_URL: `${PG}/${dbName}`,
    REDIS_KEY_PREFIX: runId,
    ADMIN_TOKEN: token,
    ...(values.workers ? { WORKERS: values.workers } : {}),
  };
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const createSale = async (totalStock: number) => {
    const res = await fetch(`${base}/api/admin/sales`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        name: `bench ${totalStock}`,
        totalStock,
        startTime: new Date(Date.now() - 60_000).toISOString(),
        endTime: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    });
    return (await res.json()).id as number;
  };
  // Made by the first round's platform; every round buys in the same sales.
  let rushSale = 0, floorSale = 0, soldOutSale = 0;
  const floorKeys = `${runId}:floor`;
  const floorRedis = new Redis(REDIS_URL);
  const floorSql = postgres(`${PG}/${dbName}`, { max: 1, onnotice: () => {} });
  let floorOrders = -1, floorBuyers = 0, floorSettled = true;

  // The rounds: every row once per round, in the same order, so that this VM's drift between
  // rounds shows as a spread of the ratios instead of skewing one of them.
  for (let round = 1; round <= rounds; round++) {
    // Shoppers never seen in an earlier round.
    const tag = (row: string) => `${row}${round}`;

    // 1. The ceilings: the same requests as the platform gets, answered by a bare hello world.
    const { child: hello, base: helloBase } = await serveParallel("loadtest/hello.ts");
    const helloUrl = `${helloBase}/`;
    load.groups = { server: tree(hello.pid), ...servicesGroups };
    const helloPost = await runPurchases("hello world, POST", helloBase, "/", tag("h"));
    const helloGet = await runGets("hello world, GET", helloUrl);
    await stop(hello);

    // 2–4. The platform.
    const app = await startPlatform(platformEnv);
    load.groups = { server: tree(app.pid), ...servicesGroups };
    if (round === 1) {
      rushSale = await createSale(10_000_000);
      floorSale = await createSale(10_000_000);
      soldOutSale = await createSale(1);
      await fetch(`${base}/api/sales/${soldOutSale}/purchase`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: "the-only-buyer" }),
      }).then((r) => r.body?.cancel());
    }
    const rush = await runPurchases(
      "purchase rush",
      base,
      `/api/sales/${rushSale}/purchase`,
      tag("r"),
    );
    const soldOutPath = `/api/sales/${soldOutSale}/purchase`;
    const soldOut = await runPurchases("sold-out rejections", base, soldOutPath, tag("s"));
    const statusUrl = `${base}/api/sales/${rushSale}`;
    const status = await runGets("status reads", statusUrl);
    await stop(app);

    // 5. The purchase floor, on the same database (its own sale) and Redis (its own keys).
    const { child: floorServer, base: floorBase } = await serveParallel(
      "loadtest/floor_server.ts",
      ["--allow-all"],
      { DATABASE_URL: `${PG}/${dbName}`, FLOOR_PREFIX: floorKeys, FLOOR_SALE: String(floorSale) },
    );
    await new Promise((r) => setTimeout(r, 1000)); // every worker listening: wrk connects once
    load.groups = { server: tree(floorServer.pid), ...servicesGroups };
    const floor = await runPurchases("purchase floor (no app code)", floorBase, "/", tag("p"));
    // Attempts wrk left in flight still finish; the floor has no sweeper to write a reservation
    // it lost, so it runs until PostgreSQL holds every buyer Redis has (or 10 s pass: then the
    // check below fails). Settled: equal counts, unchanged since the reading 100 ms before.
    let settled = false;
    for (let i = 0; i < 100 && !settled; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const buyers = await floorRedis.hlen(`${floorKeys}:buyers`);
      const [row] = await floorSql<{ orders: number }[]>`
        SELECT count(*)::int AS orders FROM orders WHERE sale_id = ${floorSale}`;
      settled = buyers === row!.orders && buyers === floorBuyers && row!.orders === floorOrders;
      [floorBuyers, floorOrders] = [buyers, row!.orders];
    }
    floorSettled &&= settled;
    // `deno serve` stops serving on SIGTERM, and its open Redis and PostgreSQL connections would
    // keep it running; it has nothing left to flush.
    await stop(floorServer, "SIGKILL");

    // Every answer of the sold-out row is a 410 by design: not an error.
    measured.push({ helloPost, helloGet, rush, soldOut: { ...soldOut, non2xx: 0 }, status, floor });
  }
  await floorSql.end();
  floorRedis.disconnect();

  // The rush's invariants, once the server has settled: PostgreSQL's orders, and the stock that
  // a platform started afresh reads from Redis.
  const sql = postgres(`${PG}/${dbName}`, { max: 1, onnotice: () => {} });
  const [row] = await sql<{ orders: number; shoppers: number; sold: number }[]>`
    SELECT count(*)::int AS orders, count(DISTINCT user_id)::int AS shoppers,
           coalesce(sum(quantity), 0)::int AS sold
    FROM orders WHERE sale_id = ${rushSale}`;
  await sql.end();
  const again = await startPlatform({ ...platformEnv, WORKERS: "1" });
  const sale = await (await fetch(`${base}/api/sales/${rushSale}`)).json();
  await stop(again);

  // "machine": all the CPU the machine spent per request, the groups' and what no process is
  // charged with (softirq); "cores busy": how near the run came to using every core.
  const groupNames = ["server", "redis", "postgres", "load generator", "machine"];
  const header = (first: string) =>
    `\n| ${first}run | requests/s | p50 ms | p99 ms | × hello-world | p99/p50 | errors | ${
      groupNames.map((g) => `${g} µs/req`).join(" | ")
    } | cores busy |\n|${first ? "---:|" : ""}---|---:|---:|---:|---:|---:|---:|${
      groupNames.map(() => "---:|").join("")
    }---:|`;
  console.log(header(rounds > 1 ? "round | " : ""));
  measured.forEach((r, i) => {
    for (const [result, ceiling] of rows(r)) {
      console.log(
        `| ${rounds > 1 ? `${i + 1} | ` : ""}${result.name} | ${result.rps.toFixed(0)} | ${
          result.p50.toFixed(2)
        } | ${result.p99.toFixed(2)} | ${ceiling ? (result.rps / ceiling.rps).toFixed(3) : "—"} | ${
          (result.p99 / result.p50).toFixed(1)
        } | ${result.non2xx + result.errors} | ${
          groupNames.map((g) => result.cpu[g] === undefined ? "n/a" : result.cpu[g]!.toFixed(1))
            .join(" | ")
        } | ${result.busy.toFixed(2)} of ${navigator.hardwareConcurrency} |`,
      );
    }
  });
  if (rounds > 1) {
    // Per row: the median over the rounds, and the lowest and highest ratio to hello world.
    console.log(
      `\nOver ${rounds} rounds (medians; × hello-world also its lowest–highest)\n\n` +
        `| run | requests/s | × hello-world | lowest–highest | p99/p50 | errors | ` +
        `server µs/req | machine µs/req |\n|---|---:|---:|---:|---:|---:|---:|---:|`,
    );
    rows(measured[0]!).forEach(([first, ceiling], k) => {
      const all = measured.map((r) => rows(r)[k]!);
      const ratios = all.map(([result, base]) => base ? result.rps / base.rps : NaN);
      const m = (f: (r: Result) => number) => median(all.map(([result]) => f(result)));
      console.log(
        `| ${first.name} | ${m((r) => r.rps).toFixed(0)} | ${
          ceiling ? median(ratios).toFixed(3) : "—"
        } | ${
          ceiling ? `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}` : "—"
        } | ${m((r) => r.p99 / r.p50).toFixed(1)} | ${
          all.reduce((n, [r]) => n + r.non2xx + r.errors, 0)
        } | ${m((r) => r.cpu.server ?? NaN).toFixed(1)} | ${
          m((r) => r.cpu.machine ?? NaN).toFixed(1)
        } |`,
      );
    });
  }
  const rushNon2xx = measured.reduce((n, r) => n + r.rush.non2xx, 0);
  const floorNon2xx = measured.reduce((n, r) => n + r.floor.non2xx, 0);
  const checks: [string, boolean][] = [
    [
      `rush: ${row!.orders} orders in PostgreSQL, all of distinct shoppers`,
      row!.orders === row!.shoppers,
    ],
    [
      `rush: Redis remaining ${sale.remainingStock} == total − sold ${10_000_000 - row!.sold}`,
      sale.remainingStock === 10_000_000 - row!.sold,
    ],
    [`rush: every request was a sale (${rushNon2xx} non-2xx)`, rushNon2xx === 0],
    [
      `floor: every request was a sale (${floorNon2xx} non-2xx), ${floorOrders} orders ` +
      `in PostgreSQL == ${floorBuyers} buyers in Redis`,
      floorNon2xx === 0 && floorSettled,
    ],
  ];
  console.log();
  for (const [what, ok] of checks) console.log(`${ok ? "PASS" : "FAIL"}  ${what}`);
  console.log(
    `\n${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores, ${
      useWrk ? "wrk" : "fetch"
    } -t${threads} -c${connections} -d${seconds}s, ${rounds} round${rounds === 1 ? "" : "s"}`,
  );
  if (!checks.every(([, ok]) => ok)) Deno.exitCode = 1;

  // 5. Cost that grows with history: the shop's pages over 10,000 sales, most long ended, made
  // directly in PostgreSQL as years of sales would leave them; the server then starts over them.
  // Fewer connections: a page that takes hundreds of ms would only queue into wrk's timeouts.
  const historySql = postgres(`${PG}/${dbName}`, { max: 1, onnotice: () => {} });
  await historySql`
    INSERT INTO sales (name, description, total_stock, per_user_limit, start_time, end_time)
    SELECT 'History sale ' || n, 'One of the shop''s past sales, kept for its records.', 100, 1,
           CASE WHEN n > 9990 THEN now() + interval '1 day'
                WHEN n > 9980 THEN now() - interval '1 hour'
                ELSE now() - make_interval(days => 1 + n % 700) END,
           CASE WHEN n > 9990 THEN now() + interval '2 days'
                WHEN n > 9980 THEN now() + interval '1 day'
                ELSE now() - make_interval(days => n % 700, hours => 1) END
    FROM generate_series(1, 10000) AS n`;
  const [counted] = await historySql<{ count: number }[]>`SELECT count(*)::int FROM sales`;
  await historySql.end();
  const started = performance.now();
  const history = await startPlatform(platformEnv);
  const startMs = performance.now() - started;
  load.groups = { server: tree(history.pid), ...servicesGroups };
  const pageConnections = Math.min(connections, 10);
  const pages: (Result & { bytes: number; status: number })[] = [];
  for (const [name, path] of [["GET /", "/"], ["GET /api/sales", "/api/sales"]] as const) {
    const res = await fetch(base + path);
    const bytes = (await res.arrayBuffer()).byteLength;
    // A long timeout: a slow page is measured, not counted as an error.
    const run = await runGets(name, base + path, pageConnections, ["--timeout", "60s"]);
    pages.push({ ...run, bytes, status: res.status });
  }
  await stop(history);
  console.log(
    `\n${counted!.count} sales in PostgreSQL; the server was up ${
      (startMs / 1000).toFixed(1)
    } s after ` +
      `its start; ${pageConnections} connections\n\n| page | status | bytes | requests/s | p50 ms | ` +
      `p99 ms | errors | server µs/req |\n|---|---:|---:|---:|---:|---:|---:|---:|`,
  );
  for (const r of pages) {
    console.log(
      `| ${r.name} | ${r.status} | ${r.bytes} | ${r.rps.toFixed(1)} | ${r.p50.toFixed(2)} | ${
        r.p99.toFixed(2)
      } | ${r.non2xx + r.errors} | ${r.cpu.server?.toFixed(0) ?? "n/a"} |`,
    );
  }
} finally {
  // Every server is stopped by now, unless a step failed: then nothing is left to flush.
  await Promise.allSettled(children.map((child) => stop(child, "SIGKILL")));
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  await admin.end();
  // The run's keys only: a scan of its own prefix, never a flush.
  const redis = new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${runId}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  redis.disconnect();
}
