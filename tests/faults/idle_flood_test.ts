/**
 * A flood of idle connections (connect, send half a request, wait) against a server started under
 * a small open-file limit: every process stays up, purchases meanwhile succeed or fail cleanly, the
 * server serves once the flood ends, and the invariants hold.
 */
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { type Attempt, call, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { alive, serverFixture, ServerProcess } from "../helpers/processes.ts";

const OPEN_FILES = 256;
const IDLE = 1000;
const HALF_REQUEST = new TextEncoder().encode("POST /api/sales/1/purchase HTTP/1.1\r\nHost: x\r\n");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or null when it takes longer than `ms` (then `late` gets its value). */
async function within<T>(promise: Promise<T>, ms: number, late: (t: T) => void = () => {}) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const timeout = new Promise<null>((r) => timer = setTimeout(() => r(null), ms));
  const winner = await Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  if (winner === null) {
    timedOut = true;
    promise.then(late, () => {});
  }
  return timedOut ? null : winner;
}

async function openIdle(port: number, count: number): Promise<Deno.Conn[]> {
  const conns: Deno.Conn[] = [];
  await pool(count, 50, async () => {
    // A listener whose queue is full drops the SYN: such a connect is abandoned, and closed if
    // it completes later.
    const conn = await within(
      Deno.connect({ hostname: "127.0.0.1", port }).catch(() => null),
      1000,
      (c) => c?.close(),
    );
    if (!conn) return;
    try {
      await conn.write(HALF_REQUEST);
      conns.push(conn);
    } catch {
      conn.close();
    }
  });
  return conns;
}

async function healthy(url: string, untilMs: number): Promise<boolean> {
  while (Date.now() < untilMs) {
    const answer = await within(call(url, "GET", "/health").catch(() => null), 1000);
    if (answer?.status === 200) return true;
    await sleep(200);
  }
  return false;
}

Deno.test(`${IDLE} idle connections under ulimit -n ${OPEN_FILES}: no process dies, the server serves after`, async () => {
  const f = await serverFixture({
    WORKERS: "2",
    OUTBOX_MIN_AGE_MS: "1000",
    SWEEP_INTERVAL_MS: "200",
  });
  const server = new ServerProcess(f.env, undefined, OPEN_FILES);
  let idle: Deno.Conn[] = [];
  try {
    await server.start();
    const pids = server.pids();
    const saleId = await createSale(server.url, { totalStock: 100 });

    idle = await openIdle(server.port, IDLE);
    console.log(`[idle flood] ${idle.length} of ${IDLE} idle connections open`);
    // Purchases and a health check while the flood holds: answered or not, never a crash.
    const during = pool(40, 10, (i) => purchase(server.url, saleId, `flood-${i}`));
    const healthDuring = within(call(server.url, "GET", "/health").catch(() => null), 2000);
    await sleep(3000);
    const dead = pids.filter((pid) => !alive(pid));
    assertEquals(dead, [], `processes died during the flood (started: ${pids.join(", ")})`);

    for (const conn of idle) conn.close();
    idle = [];
    assert(
      await healthy(server.url, Date.now() + 10_000),
      "GET /health answers 200 after the flood",
    );
    const health = await healthDuring;
    if (health) assert([200, 503].includes(health.status), `/health during: ${health.status}`);
    const attempts: Attempt[] = await within(during, 10_000) ?? [];
    console.log(`[idle flood] during: ${JSON.stringify(countBy(attempts, (a) => a.status))}`);
    assertEquals(attempts.length, 40, "purchases made during the flood all ended");
    const after = await pool(20, 5, (i) => purchase(server.url, saleId, `after-${i}`));
    assertEquals(after.map((a) => a.status), new Array(20).fill(201));
    const all = [...attempts, ...after];
    assertEquals(all.filter((a) => a.status >= 500 && a.status !== 503), []);

    // Each scrape lands on either process: one of them counted the connections it refused.
    let acceptErrors = 0;
    for (let i = 0; i < 10 && acceptErrors === 0; i++) {
      const text = (await call(server.url, "GET", "/metrics")).body as string;
      acceptErrors = Number(/^flashsale_accept_errors_total (\d+)/m.exec(text)?.[1] ?? 0);
    }
    assert(acceptErrors > 0, "refused connections are counted in /metrics");

    assertEquals(pids.filter((pid) => !alive(pid)), [], "no process died after the flood");
    assertEquals(pids.length, 3, "a supervisor that does not serve, and 2 workers");
    assertEquals(server.pids(), pids, "none was restarted");

    const state = await waitUntilQuiet(f.sql, REDIS_URL, f.prefix, saleId);
    assertEquals(await breaches(f.sql, state, saleId, all), NO_BREACHES);
  } finally {
    for (const conn of idle) conn.close();
    await f.close([server]);
  }
});

/**
 * Deno.serve has no header timeout (no option closes a connection that never completes its
 * request): docker-compose.yml puts nginx (`client_header_timeout`) in front for that. The day this
 * fails, Deno.serve closes such connections itself and the proxy's reason is gone.
 */
Deno.test("Deno.serve keeps a connection that never completes its request open (no header timeout)", async () => {
  const f = await serverFixture();
  const server = new ServerProcess(f.env);
  try {
    await server.start();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      await conn.write(HALF_REQUEST);
      await sleep(5000);
      // A closed connection reads EOF at once; an open one has nothing to read yet.
      const answer = new Uint8Array(64);
      const reading = conn.read(answer);
      assertEquals(await within(reading, 500), null, "neither answered nor closed");
      // Still open: the rest of the request gets its answer.
      await conn.write(new TextEncoder().encode("Content-Length: 0\r\n\r\n"));
      const n = await reading;
      assertMatch(new TextDecoder().decode(answer.subarray(0, n ?? 0)), /^HTTP\/1\.1 \d{3}/);
    } finally {
      conn.close();
    }
  } finally {
    await f.close([server]);
  }
});
