/** The core invariant tests again, with the app on the REST adapter through the REST bridge. */
import { Redis } from "ioredis";
import { assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { startBridge } from "../helpers/bridge.ts";
import { countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { RedisServer } from "../helpers/processes.ts";
import { redisLossMidSale, sameShopperStorm } from "../helpers/scenarios.ts";

Deno.test("REST adapter: 2,000 shoppers, 300 at a time, for 100 items: exactly 100 sold", async () => {
  const bridge = await startBridge();
  const app = await startTestApp(bridge.env);
  try {
    const saleId = await createSale(app.url, { totalStock: 100 });
    const attempts = await pool(2000, 300, (i) => purchase(app.url, saleId, `rest-${i}`));

    assertEquals(countBy(attempts, (a) => a.result), { SUCCESS: 100, SOLD_OUT: 1900 });
    assertEquals(new Set(attempts.map((a) => a.orderId).filter(Boolean)).size, 100);
    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, saleId);
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
    await sameShopperStorm(app, REDIS_URL);
  } finally {
    await app.close();
    await bridge.close();
  }
});

Deno.test("REST adapter: Redis loses everything mid-sale: rebuilt from PostgreSQL, sold exactly once", async () => {
  const redisServer = await RedisServer.start();
  const bridge = await startBridge(redisServer.url);
  const app = await startTestApp({ ...bridge.env, REDIS_URL: redisServer.url });
  const direct = new Redis(redisServer.url);
  try {
    await redisLossMidSale(app, direct, redisServer.url);
  } finally {
    direct.disconnect();
    await app.close();
    await bridge.close();
    await redisServer.stop();
  }
});
