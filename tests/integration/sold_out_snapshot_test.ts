/**
 * The sold-out hint's snapshot of a sale's buyers (Gate.soldOutBuyers, buyers.lua), on both Redis
 * adapters: every buyer of a sale too big for one page, ids byte for byte, and nothing at all once
 * the stock is not 0.
 */
import { Redis } from "ioredis";
import { Gate } from "../../lib/gate/gate.ts";
import { saleKeys } from "../../lib/gate/keys.ts";
import type { RedisClient } from "../../lib/infra/redis/client.ts";
import { connectRest } from "../../lib/infra/redis/rest.ts";
import { connectTcp } from "../../lib/infra/redis/tcp.ts";
import { assertEquals } from "../helpers/assert.ts";
import { deleteKeys } from "../helpers/app.ts";
import { BRIDGE_TOKEN, startBridge } from "../helpers/bridge.ts";
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
