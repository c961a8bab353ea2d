/** The core invariant tests again, with the app on the REST adapter through the REST bridge. */
import { Redis } from "ioredis";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { startBridge } from "../helpers/bridge.ts";
import { type Attempt, call, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { breaches, NO_BREACHES, settle } from "../helpers/invariants.ts";
import { RedisServer } from "../helpers/processes.ts";

Deno.test("REST adapter: 2,000 shoppers, 300 at a time, for 100 items: exactly 100 sold", async () => {
  const bridge = await startBridge();
  const app = await startTestApp(bridge.env);
  try {
    const saleId = await createSale(app.url, { totalStock: 100 });
    const attempts = await pool(2000, 300, (i) => purchase(app.url, saleId, `rest-${i}`));

    assertEquals(countBy(attempts, (a) => a.result), { SUCCESS: 100, SOLD_OUT: 1900 });
    assertEquals(new Set(attempts.map((a) => a.orderId).filter(Boolean)).size, 100);
    const state = await settle(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals([state.orders, state.sold, state.remaining], [100, 100, 0]);
    assertEquals(await breaches(app.sql, state, saleId, attempts), NO_BREACHES);
  } finally {
    await app.close();
    await bridge.close();
  }
});

Deno.test("REST adapter: one shopper, 60 purchases at once: one order, 59 ALREADY_PURCHASED", async () => {
  const bridge = await startBridge();
  const app = await startTestApp(bridge.env);
  try {
    const saleId = await createSale(app.url, { totalStock: 10 });
    const attempts = await pool(60, 60, () => purchase(app.url, saleId, "the-same-shopper"));
    assertEquals(countBy(attempts, (a) => `${a.status} ${a.result}`), {
      "201 SUCCESS": 1,
      "409 ALREADY_PURCHASED": 59,
    });
    const winner = attempts.find((a) => a.result === "SUCCESS")!;
    assert(attempts.every((a) => a.orderId === winner.orderId), "every answer names the one order");
    const state = await settle(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals([state.orders, state.sold, state.remaining], [1, 1, 9]);
    assertEquals(await breaches(app.sql, state, saleId, attempts), NO_BREACHES);
  } finally {
    await app.close();
    await bridge.close();
  }
});

/** Retries "try again" answers (503 SALE_REBUILDING), recording each attempt. */
async function buyRetrying(url: string, saleId: number, userId: string, log: Attempt[]) {
  for (;;) {
    const a = await purchase(url, saleId, userId);
    log.push(a);
    if (a.status !== 503) return a;
    assertEquals(a.result, "SALE_REBUILDING");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("REST adapter: Redis loses everything mid-sale: rebuilt from PostgreSQL, sold exactly once", async () => {
  const redisServer = await RedisServer.start();
  const bridge = await startBridge(redisServer.url);
  const app = await startTestApp({ ...bridge.env, REDIS_URL: redisServer.url });
  const direct = new Redis(redisServer.url);
  try {
    const saleId = await createSale(app.url, { totalStock: 100 });
    const log: Attempt[] = [];
    const first = await pool(60, 30, (i) => buyRetrying(app.url, saleId, `early-${i}`, log));
    assertEquals(countBy(first, (a) => a.result), { SUCCESS: 60 });

    await direct.flushdb();

    const again = await pool(60, 30, (i) => buyRetrying(app.url, saleId, `early-${i}`, log));
    const fresh = await pool(300, 100, (i) => buyRetrying(app.url, saleId, `late-${i}`, log));
    assertEquals(countBy(again, (a) => a.result), { ALREADY_PURCHASED: 60 });
    again.forEach((a, i) => assertEquals(a.orderId, first[i]!.orderId));
    assertEquals(countBy(fresh, (a) => a.result), { SUCCESS: 40, SOLD_OUT: 260 });

    const state = await settle(app.sql, redisServer.url, app.prefix, saleId);
    assertEquals([state.sold, state.remaining, state.buyers], [100, 0, 100]);
    assertEquals(await breaches(app.sql, state, saleId, log), NO_BREACHES);
    const stats = await call(app.url, "GET", `/api/sales/${saleId}`);
    assertEquals(stats.body.remainingStock, 0);
  } finally {
    direct.disconnect();
    await app.close();
    await bridge.close();
    await redisServer.stop();
  }
});
