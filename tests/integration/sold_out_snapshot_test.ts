/**
 * The sold-out hint's snapshot of a sale's buyers (Gate.soldOutBuyers, buyers.lua), on both Redis
 * adapters: every buyer of a sale too big for one page, ids byte for byte, and nothing at all once
 * the stock is not 0; and no snapshot that misses a buyer when stock comes back and sells out again
 * between two of its pages.
 */
import { Redis } from "ioredis";
import { Gate } from "../../lib/gate/gate.ts";
import { saleKeys } from "../../lib/gate/keys.ts";
import type { RedisClient } from "../../lib/infra/redis/client.ts";
import { connectRest } from "../../lib/infra/redis/rest.ts";
import { connectTcp } from "../../lib/infra/redis/tcp.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { deleteKeys } from "../helpers/app.ts";
import { BRIDGE_TOKEN, startBridge } from "../helpers/bridge.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";
import { RedisServer } from "../helpers/processes.ts";
import { REDIS_URL, testPrefix } from "../helpers/env.ts";

// Ids a transport could mangle: numbers, the buyer record's separator, non-ASCII.
const AWKWARD = ["1e3", "007", "a:b:c", "héllo 😀", "null", "true"];

async function checkSnapshot(client: RedisClient): Promise<void> {
  const prefix = testPrefix();
  const direct = new Redis(REDIS_URL);
  try {
    const gate = await Gate.load(client, prefix);
    const k = saleKeys(prefix, 7);
    const shoppers = [...AWKWARD, ...Array.from({ length: 2500 }, (_, i) => `shopper-${i}`)];
    await direct.hset(k.buyers, ...shoppers.flatMap((u, i) => [u, `order-${i}:1:0`]));
    await direct.set(k.stock, "0");

    const buyers = await gate.soldOutBuyers(7);
    assertEquals(buyers?.size, shoppers.length);
    assertEquals([...buyers!].sort(), [...shoppers].sort());

    await direct.set(k.stock, "1"); // stock came back: no snapshot is complete any more
    assertEquals(await gate.soldOutBuyers(7), null);
    await direct.del(k.stock); // no state at all
    assertEquals(await gate.soldOutBuyers(7), null);
  } finally {
    direct.disconnect();
    await deleteKeys(REDIS_URL, prefix);
  }
}

Deno.test("sold-out snapshot over TCP: every buyer, over several pages, and none once stock is back", async () => {
  const client = await connectTcp(REDIS_URL);
  try {
    await checkSnapshot(client);
  } finally {
    await client.close();
  }
});

Deno.test("sold-out snapshot over REST: every buyer, over several pages, and none once stock is back", async () => {
  const bridge = await startBridge();
  const client = await connectRest({ url: bridge.url, token: BRIDGE_TOKEN, pollMs: 50 });
  try {
    await checkSnapshot(client);
  } finally {
    await client.close();
    await bridge.close();
  }
});

/** How many EVALSHA calls the Redis server has run. */
async function evalshaCalls(redis: Redis): Promise<number> {
  const stats = await redis.info("commandstats");
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

Deno.test("sold-out snapshot: stock that comes back and sells out between two pages leaves no buyer out", async () => {
  const server = await RedisServer.start();
  const proxy = new FaultProxy(server.port);
  const direct = new Redis(server.url);
  // The snapshot's reads go through the proxy, which can hold their replies; the shop's own
  // writes go straight to Redis, between two of the snapshot's pages.
  const viaProxy = await connectTcp(`redis://127.0.0.1:${proxy.port}`);
  const shop = await connectTcp(server.url);
  try {
    const prefix = "snap";
    const saleId = 3;
    const k = saleKeys(prefix, saleId);
    const runId = /run_id:(\w+)/.exec(await direct.info("server"))?.[1] ?? "";
    const settings = {
      totalStock: 2500,
      perUserLimit: 1,
      startMs: 0,
      endMs: Date.now() + 3_600_000,
      waitingRoom: false,
    };
    await direct.hset(k.meta, {
      state: "ready",
      total: settings.totalStock,
      limit: settings.perUserLimit,
      start: settings.startMs,
      end: settings.endMs,
      run: runId,
      wr: "0",
    });
    const first = Array.from({ length: settings.totalStock }, (_, i) => `shopper-${i}`);
    await direct.hset(k.buyers, ...first.flatMap((u, i) => [u, `order-${i}:1:0`]));
    await direct.set(k.stock, "0");

    const gate = await Gate.load(viaProxy, prefix);
    const shopGate = await Gate.load(shop, prefix);
    assertEquals((await gate.soldOutBuyers(saleId))?.size, first.length); // scripts loaded

    // The first page runs in Redis; its reply waits in the proxy.
    const before = await evalshaCalls(direct);
    proxy.pauseReplies();
    const snapshot = gate.soldOutBuyers(saleId);
    while (await evalshaCalls(direct) === before) await new Promise((r) => setTimeout(r, 5));

    // Meanwhile stock comes back (a release, an admin raising the total) and new shoppers buy it.
    assert(await shopGate.release(saleId, "shopper-0", "order-0", 1, null, null));
    const raised = { ...settings, totalStock: settings.totalStock + 99 };
    assertEquals(await shopGate.configure(saleId, raised), { code: "APPLIED", remaining: 100 });
    const late = Array.from({ length: 100 }, (_, i) => `late-${i}`);
    const reserved = await Promise.all(
      late.map((u, i) => shopGate.reserve(saleId, u, `late-order-${i}`, 1)),
    );
    assertEquals(reserved.filter((r) => r.code === "RESERVED").length, late.length);
    assertEquals(await direct.get(k.stock), "0");

    proxy.resume();
    const buyers = await snapshot;
    // The snapshot may be dropped, but one that is kept holds every buyer Redis holds now.
    if (buyers !== null) {
      const missing = (await direct.hkeys(k.buyers)).filter((u) => !buyers.has(u));
      assertEquals(missing, [], `the snapshot misses ${missing.length} buyers`);
    }
    // Taken again while nothing changes, it is whole.
    assertEquals((await gate.soldOutBuyers(saleId))?.size, await direct.hlen(k.buyers));
  } finally {
    proxy.resume();
    await viaProxy.close();
    await shop.close();
    direct.disconnect();
    proxy.close();
    await server.stop();
  }
});
