import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { createTestDatabase, PG_PORT, throughPort } from "../helpers/env.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";
import { History, ITERATIONS } from "../helpers/history.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";

Deno.test("PostgreSQL unreachable: purchases answer 202 pending in time, and commit afterwards", async () => {
  const db = await createTestDatabase();
  const proxy = new FaultProxy(PG_PORT);
  const app = await startTestApp({
    DATABASE_URL: throughPort(db.url, proxy.port),
    COMMIT_TIMEOUT_MS: "500",
  }, db);
  try {
    const saleId = await createSale(app.url, { totalStock: 50 });
    assertEquals((await purchase(app.url, saleId, "before")).result, "SUCCESS");

    proxy.pause();
    const started = performance.now();
    const during = await pool(80, 40, (i) => purchase(app.url, saleId, `during-${i}`));
    const elapsed = performance.now() - started;
    // Each answer waits at most the commit deadline; the stock is still gated by Redis.
    assertEquals(countBy(during, (a) => `${a.status} ${a.result}`), {
      "202 PENDING": 49,
      "410 SOLD_OUT": 31,
    });
    assert(elapsed < 5000, `answers came within the deadline (${elapsed.toFixed(0)} ms)`);
    const [row] = await app.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM orders WHERE sale_id = ${saleId}`;
    assertEquals(row?.n, 1, "nothing reached PostgreSQL while it was away");

    proxy.resume();
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.sold, state.orders, state.remaining], [50, 50, 0]);
    assertEquals(await breaches(app.sql, state, saleId, during), NO_BREACHES);
  } finally {
    proxy.close();
    await app.close();
  }
});

const OUTAGE_MS = 10_000;
const COMMIT_TIMEOUT_MS = 1000;

/** PostgreSQL unreachable for 10 s mid-rush, in one of the proxy's ways; the history checks out. */
async function outage(mode: "blackhole" | "reset" | "latency"): Promise<void> {
  const db = await createTestDatabase();
  const proxy = new FaultProxy(PG_PORT);
  const app = await startTestApp({
    DATABASE_URL: throughPort(db.url, proxy.port),
    COMMIT_TIMEOUT_MS: String(COMMIT_TIMEOUT_MS),
  }, db);
  const h = new History(`pg-${mode}`);
  try {
    const saleId = await createSale(app.url, { totalStock: 600 });
    await h.rushAround(app.url, saleId, 600, async () => {
      if (mode === "blackhole") proxy.pause();
      else if (mode === "reset") proxy.refuse();
      else proxy.latency(1500);
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      proxy.resume();
      proxy.latency(0);
    });
    const slowest = Math.max(...h.attempts.map((a) => a.ms));
    // A purchase waits for its commit at most COMMIT_TIMEOUT_MS, then answers 202 pending.
    assert(slowest < COMMIT_TIMEOUT_MS + 2000, `answers within the deadline (${slowest} ms)`);
    assert(h.attempts.some((a) => a.result === "PENDING"), "some purchases were left pending");
    await h.check(app.sql, app.config.REDIS_URL, app.prefix, saleId);
  } finally {
    proxy.close();
    await app.close();
  }
}

for (const mode of ["blackhole", "reset", "latency"] as const) {
  Deno.test(`PostgreSQL unreachable for 10 s (${mode}) mid-rush: the history checks out`, async () => {
    for (let i = 0; i < ITERATIONS; i++) await outage(mode);
  });
}
