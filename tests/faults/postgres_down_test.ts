import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { createTestDatabase } from "../helpers/env.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";
import { breaches, NO_BREACHES, settle } from "../helpers/invariants.ts";

Deno.test("PostgreSQL unreachable: purchases answer 202 pending in time, and commit afterwards", async () => {
  const db = await createTestDatabase();
  const proxy = new FaultProxy(5432);
  const app = await startTestApp({
    DATABASE_URL: db.url.replace(":5432/", `:${proxy.port}/`),
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
    const state = await settle(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.sold, state.orders, state.remaining], [50, 50, 0]);
    assertEquals(await breaches(app.sql, state, saleId, during), NO_BREACHES);
  } finally {
    proxy.close();
    await app.close();
  }
});
