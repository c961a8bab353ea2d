import { assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { type Attempt, call, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";

Deno.test("3,000 shoppers, 500 at a time, for 100 items: exactly 100 sold", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 100 });
    const attempts = await pool(3000, 500, (i) => purchase(app.url, saleId, `shopper-${i}`));

    const outcomes = countBy(attempts, (a) => a.result);
    assertEquals(outcomes, { SUCCESS: 100, SOLD_OUT: 2900 });
    assertEquals(attempts.filter((a) => a.status >= 500 || a.status === 0).length, 0);
    assertEquals(new Set(attempts.map((a) => a.orderId).filter(Boolean)).size, 100);

    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals({ orders: state.orders, sold: state.sold, remaining: state.remaining }, {
      orders: 100,
      sold: 100,
      remaining: 0,
    });
    assertEquals(await breaches(app.sql, state, saleId, attempts), NO_BREACHES);
  } finally {
    await app.close();
  }
});

Deno.test("the original platform's POST /purchase sells sale 1 exactly", async () => {
  const app = await startTestApp();
  try {
    // Sale 1 ships with 100 items; the seed's reset sets its stock and clears its orders.
    const reset = await call(app.url, "POST", "/sale/reset", { stock: 100 }, {
      authorization: "Bearer test-admin-token-0123456789",
    });
    assertEquals(reset.status, 200);
    const attempts: Attempt[] = await pool(3000, 500, async (i) => {
      const userId = `seed-${i}`;
      try {
        const res = await call(app.url, "POST", "/purchase", { userId });
        return {
          userId,
          status: res.status,
          result: res.body.result ?? null,
          orderId: res.body.order?.id ?? null,
        };
      } catch {
        return { userId, status: 0, result: null, orderId: null };
      }
    });
    assertEquals(countBy(attempts, (a) => `${a.status} ${a.result}`), {
      "200 SUCCESS": 100,
      "410 SOLD_OUT": 2900,
    });
    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, 1);
    assertEquals(state.sold, 100);
    assertEquals(state.remaining, 0);
    assertEquals(await breaches(app.sql, state, 1, attempts), NO_BREACHES);

    const status = await call(app.url, "GET", "/sale/status");
    assertEquals(status.body.remainingStock, 0);
    assertEquals(status.body.saleId, 1);
    const mine = await call(app.url, "GET", `/purchase/${attempts.find((a) => a.orderId)!.userId}`);
    assertEquals(mine.body.purchased, true);
    const stats = await call(app.url, "GET", "/sale/stats");
    assertEquals(stats.body.purchases.successCount, 100);
  } finally {
    await app.close();
  }
});
