/**
 * Invariant scenarios run against more than one setup (TCP and REST adapters): each takes a
 * running test app and the Redis URL its keys live in, and asserts by counting rows and keys.
 */
import type { Redis } from "ioredis";
import type { TestApp } from "./app.ts";
import { assert, assertEquals } from "./assert.ts";
import { type Attempt, call, countBy, createSale, pool, purchase } from "./client.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "./invariants.ts";

/** A shopper's client that retries "try again" answers (503 SALE_REBUILDING), recording each. */
export async function buyRetrying(
  url: string,
  saleId: number,
  userId: string,
  log: Attempt[],
): Promise<Attempt> {
  for (;;) {
    const a = await purchase(url, saleId, userId);
    log.push(a);
    if (a.status !== 503) return a;
    assertEquals(a.result, "SALE_REBUILDING");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One shopper, 60 purchases at once: one order, 59 ALREADY_PURCHASED naming it. */
export async function sameShopperStorm(app: TestApp, redisUrl: string): Promise<void> {
  const saleId = await createSale(app.url, { totalStock: 10 });
  const attempts = await pool(60, 60, () => purchase(app.url, saleId, "the-same-shopper"));
  assertEquals(countBy(attempts, (a) => `${a.status} ${a.result}`), {
    "201 SUCCESS": 1,
    "409 ALREADY_PURCHASED": 59,
  });
  const winner = attempts.find((a) => a.result === "SUCCESS")!;
  assert(attempts.every((a) => a.orderId === winner.orderId), "every answer names the one order");

  const state = await waitUntilQuiet(app.sql, redisUrl, app.prefix, saleId);
  assertEquals([state.orders, state.sold, state.remaining], [1, 1, 9]);
  assertEquals(await breaches(app.sql, state, saleId, attempts), NO_BREACHES);
  const mine = await call(app.url, "GET", `/api/sales/${saleId}/orders/the-same-shopper`);
  assertEquals(mine.body.order.id, winner.orderId);
}

/**
 * Redis loses everything mid-sale (`flush` on a Redis of the test's own): earlier buyers come
 * back and new shoppers rush; nobody is let through before the rebuild, earlier buyers are
 * recognised, and exactly the 40 items left are sold.
 */
export async function redisLossMidSale(
  app: TestApp,
  redis: Redis,
  redisUrl: string,
): Promise<void> {
  const saleId = await createSale(app.url, { totalStock: 100 });
  const log: Attempt[] = [];
  const first = await pool(60, 30, (i) => buyRetrying(app.url, saleId, `early-${i}`, log));
  assertEquals(countBy(first, (a) => a.result), { SUCCESS: 60 });

  await redis.flushdb();

  const again = await pool(60, 30, (i) => buyRetrying(app.url, saleId, `early-${i}`, log));
  const fresh = await pool(300, 100, (i) => buyRetrying(app.url, saleId, `late-${i}`, log));
  assertEquals(countBy(again, (a) => a.result), { ALREADY_PURCHASED: 60 });
  again.forEach((a, i) => assertEquals(a.orderId, first[i]!.orderId));
  assertEquals(countBy(fresh, (a) => a.result), { SUCCESS: 40, SOLD_OUT: 260 });
  assert(log.some((a) => a.status === 503), "purchases were held back during the rebuild");

  const state = await waitUntilQuiet(app.sql, redisUrl, app.prefix, saleId);
  assertEquals([state.sold, state.remaining, state.buyers], [100, 0, 100]);
  assertEquals(await breaches(app.sql, state, saleId, log), NO_BREACHES);
  const sale = await call(app.url, "GET", `/api/sales/${saleId}`);
  assertEquals(sale.body.remainingStock, 0);
}
