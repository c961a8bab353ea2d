import { Redis } from "ioredis";
import { rateKeys } from "../../lib/gate/keys.ts";
import { assertEquals } from "../helpers/assert.ts";
import { HELD_WRITER, startTestApp, type TestApp } from "../helpers/app.ts";
import { call, createSale } from "../helpers/client.ts";

/**
 * A buyer's attempt always gets their order (I5), also once the sale is sold out and the local
 * sold-out hint answers everyone else.
 */

/** Whether the shopper's attempt counter exists: purchase.lua ran for them (rate limits on). */
async function reachedRedis(app: TestApp, saleId: number, userId: string): Promise<boolean> {
  const redis = new Redis(app.config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await redis.exists(rateKeys(app.prefix, saleId, userId, "").shopper) === 1;
  } finally {
    redis.disconnect();
  }
}

async function orderCount(app: TestApp, saleId: number): Promise<number> {
  const [row] = await app.sql`SELECT count(*)::int AS n FROM orders WHERE sale_id = ${saleId}`;
  return row?.n;
}

// Attempt counters make every run of purchase.lua visible; the limit itself is never reached.
const COUNTED = { RATE_LIMIT_PER_SHOPPER: "100", RATE_LIMIT_WINDOW_MS: "60000" };

for (
  const route of [
    {
      name: "POST /api/sales/:id/purchase",
      buy: (app: TestApp, saleId: number, userId: string) =>
        call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId }),
    },
    {
      name: "POST /purchase",
      buy: (app: TestApp, saleId: number, userId: string) =>
        call(app.url, "POST", "/purchase", { userId, saleId }),
    },
  ]
) {
  Deno.test(`${route.name}: a sale of 1, the winner's retry after it sold out gets their order`, async () => {
    const app = await startTestApp(COUNTED);
    try {
      const saleId = await createSale(app.url, { totalStock: 1 });
      const buy = (userId: string) => route.buy(app, saleId, userId);

      const won = await buy("winner");
      assertEquals(won.body.result, "SUCCESS");
      const late = await buy("late");
      assertEquals([late.status, late.body.result], [410, "SOLD_OUT"]);

      // Their first answer was lost: the winner asks again and is told what they have.
      const again = await buy("winner");
      assertEquals(
        [again.status, again.body.result, again.body.order?.id, again.body.order?.status],
        [409, "ALREADY_PURCHASED", won.body.order.id, "confirmed"],
      );

      // Everyone else is still refused by the local hint, without a Redis call.
      const later = await buy("later");
      assertEquals([later.status, later.body.result], [410, "SOLD_OUT"]);
      assertEquals(await reachedRedis(app, saleId, "later"), false);
      assertEquals(await orderCount(app, saleId), 1);
    } finally {
      await app.close();
    }
  });
}

Deno.test("a reservation still on its way to PostgreSQL: after the sell-out its shopper is told pending, never SOLD_OUT", async () => {
  const app = await startTestApp(HELD_WRITER);
  try {
    const saleId = await createSale(app.url, { totalStock: 2 });
    const path = `/api/sales/${saleId}/purchase`;
    // `slow` never saw this answer (say a 503 whose script had run): its write is still held.
    const slow = await call(app.url, "POST", path, { userId: "slow" });
    assertEquals([slow.status, slow.body.order.status], [202, "pending"]);
    const other = await call(app.url, "POST", path, { userId: "other" });
    assertEquals(other.status, 202);
    const late = await call(app.url, "POST", path, { userId: "late" });
    assertEquals([late.status, late.body.result], [410, "SOLD_OUT"]);
    assertEquals(await orderCount(app, saleId), 0, "nothing is in PostgreSQL yet");

    for (
      const retry of [
        await call(app.url, "POST", path, { userId: "slow" }),
        await call(app.url, "POST", "/purchase", { userId: "slow", saleId }),
      ]
    ) {
      assertEquals(
        [retry.status, retry.body.result, retry.body.order?.id, retry.body.order?.status],
        [409, "ALREADY_PURCHASED", slow.body.order.id, "pending"],
      );
    }

    await app.platform.writer.drain(); // committed, and its outbox entry trimmed
    assertEquals(await orderCount(app, saleId), 2);
    const retry = await call(app.url, "POST", path, { userId: "slow" });
    assertEquals([retry.status, retry.body.order?.status], [409, "confirmed"]);
  } finally {
    await app.close();
  }
});

Deno.test("GET /api/sales/:id/orders/:userId and GET /purchase/:userId report an order on its way to PostgreSQL as pending", async () => {
  const app = await startTestApp(HELD_WRITER);
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    const slow = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId: "slow" });
    assertEquals([slow.status, slow.body.order.status], [202, "pending"]);
    assertEquals(await orderCount(app, saleId), 0, "nothing is in PostgreSQL yet");

    const mine = await call(app.url, "GET", `/api/sales/${saleId}/orders/slow`);
    assertEquals([mine.status, mine.body.order?.id, mine.body.order?.status], [
      200,
      slow.body.order.id,
      "pending",
    ]);
    const seed = await call(app.url, "GET", `/purchase/slow?saleId=${saleId}`);
    assertEquals([seed.status, seed.body.purchased, seed.body.order?.status], [
      200,
      true,
      "pending",
    ]);
    const none = await call(app.url, "GET", `/api/sales/${saleId}/orders/late`);
    assertEquals([none.status, none.body.error?.code], [404, "ORDER_NOT_FOUND"]);
    const seedNone = await call(app.url, "GET", `/purchase/late?saleId=${saleId}`);
    assertEquals([seedNone.status, seedNone.body.purchased], [200, false]);

    await app.platform.writer.drain();
    const confirmed = await call(app.url, "GET", `/api/sales/${saleId}/orders/slow`);
    assertEquals([confirmed.status, confirmed.body.order?.id, confirmed.body.order?.status], [
      200,
      slow.body.order.id,
      "confirmed",
    ]);
  } finally {
    await app.close();
  }
});
