import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { BridgeProcess, startBridge } from "../helpers/bridge.ts";
import { RedisServer } from "../helpers/processes.ts";
import { countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";

Deno.test("REST bridge killed: purchases answer 503 UNAVAILABLE with Retry-After, never SUCCESS, then recover", async () => {
  const bridge = new BridgeProcess();
  await bridge.start();
  const app = await startTestApp(bridge.env);
  try {
    const saleId = await createSale(app.url, { totalStock: 50 });
    const before = await pool(10, 10, (i) => purchase(app.url, saleId, `before-${i}`));
    assertEquals(countBy(before, (a) => a.result), { SUCCESS: 10 });

    await bridge.kill();
    const during = await pool(40, 20, (i) => purchase(app.url, saleId, `during-${i}`));
    // The TCP Redis is right there, but a REST-configured server never falls back to it.
    assertEquals(countBy(during, (a) => `${a.status} ${a.result}`), { "503 UNAVAILABLE": 40 });
    const res = await fetch(`${app.url}/api/sales/${saleId}/purchase`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "during-x" }),
    });
    assertEquals(res.status, 503);
    assertEquals(res.headers.get("retry-after"), "1");
    const body = await res.json();
    assertEquals(body.error.code, "UNAVAILABLE");
    assert(!JSON.stringify(body).includes("127.0.0.1"), "the client is not told where Redis is");

    await bridge.start();
    const after = await pool(10, 10, (i) => purchase(app.url, saleId, `during-${i}`));
    assertEquals(countBy(after, (a) => a.result), { SUCCESS: 10 });

    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals([state.orders, state.sold, state.remaining], [20, 20, 30]);
    assertEquals(
      await breaches(app.sql, state, saleId, [...before, ...during, ...after]),
      NO_BREACHES,
    );
  } finally {
    await app.close();
    await bridge.kill();
  }
});

Deno.test("Redis behind the REST bridge killed: the bridge answers 503, purchases 503 UNAVAILABLE", async () => {
  const redisServer = await RedisServer.start();
  const bridge = await startBridge(redisServer.url);
  const app = await startTestApp({ ...bridge.env, REDIS_URL: redisServer.url });
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    assertEquals((await purchase(app.url, saleId, "first")).result, "SUCCESS");
    await redisServer.kill();
    const res = await fetch(bridge.url, {
      method: "POST",
      headers: { authorization: bridge.env.UPSTASH_REDIS_REST_TOKEN! },
      body: '["PING"]',
    });
    assertEquals(res.status, 401, "no token scheme: refused before Redis is asked");
    await res.body?.cancel();
    const ping = await fetch(bridge.url, {
      method: "POST",
      headers: { authorization: `Bearer ${bridge.env.UPSTASH_REDIS_REST_TOKEN}` },
      body: '["PING"]',
    });
    assertEquals([ping.status, ping.headers.get("retry-after")], [503, "1"]);
    await ping.body?.cancel();
    const during = await pool(10, 10, (i) => purchase(app.url, saleId, `during-${i}`));
    assertEquals(countBy(during, (a) => `${a.status} ${a.result}`), { "503 UNAVAILABLE": 10 });
  } finally {
    await app.close();
    await bridge.close();
    await redisServer.stop();
  }
});
