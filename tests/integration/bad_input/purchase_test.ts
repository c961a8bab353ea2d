/** Malformed purchases on the API's route, POST /api/sales/:id/purchase. */
import { assertEquals } from "../../helpers/assert.ts";
import { startTestApp } from "../../helpers/app.ts";
import {
  assertAllRefused,
  BAD_IDS,
  BAD_QUANTITIES,
  BAD_USER_IDS,
  bodyCases,
  fieldCases,
  pathCases,
} from "../../helpers/bad_input.ts";
import { call, createSale } from "../../helpers/client.ts";
import { REDIS_URL } from "../../helpers/env.ts";

const validPurchase = { userId: "shopper-1", quantity: 1 };

Deno.test("malformed purchases on the API: each a clean 4xx error, and nothing is written", async () => {
  await assertAllRefused((_app, saleId) => {
    const path = `/api/sales/${saleId}/purchase`;
    const body = JSON.stringify(validPurchase);
    return [
      ...bodyCases("POST", path, validPurchase, {}),
      ...fieldCases("POST", path, validPurchase, {}, "userId", BAD_USER_IDS),
      ...fieldCases("POST", path, validPurchase, {}, "quantity", BAD_QUANTITIES),
      // Over the sale's limit of 2: refused by the business rule, still a 400.
      ...fieldCases(
        "POST",
        path,
        validPurchase,
        {},
        "quantity",
        ["3", "1000"],
        "QUANTITY_OVER_LIMIT",
      ),
      ...fieldCases("POST", path, validPurchase, {}, "saleId", [String(saleId)]),
      ...pathCases(
        "POST",
        BAD_IDS.map((id) => `/api/sales/${id}/purchase`),
        400,
        "VALIDATION_FAILED",
        { body },
      ),
      ...pathCases(
        "POST",
        ["99999", "999999999999999"].map((id) => `/api/sales/${id}/purchase`),
        404,
        "SALE_NOT_FOUND",
        { body },
      ),
    ];
  }, 150);
});

Deno.test("a shopper id of 255 characters buys and reads its order on every route, as the original platform allowed", async () => {
  const app = await startTestApp({ RATE_LIMIT_PER_SHOPPER: "5" });
  const { Redis } = await import("ioredis");
  const redis = new Redis(REDIS_URL);
  try {
    const saleId = await createSale(app.url, { totalStock: 10 });
    const ascii = "a".repeat(254) + "z";
    const accented = "é".repeat(255);
    const bought = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId: ascii });
    assertEquals([bought.status, bought.body.result, bought.body.order?.userId], [
      201,
      "SUCCESS",
      ascii,
    ]);
    const seed = await call(app.url, "POST", "/purchase", { userId: accented, saleId });
    assertEquals([seed.status, seed.body.result], [200, "SUCCESS"]);

    const order = await call(
      app.url,
      "GET",
      `/api/sales/${saleId}/orders/${encodeURIComponent(ascii)}`,
    );
    assertEquals([order.status, order.body.order?.userId], [200, ascii]);
    const seedOrder = await call(
      app.url,
      "GET",
      `/purchase/${encodeURIComponent(accented)}?saleId=${saleId}`,
    );
    assertEquals([seedOrder.status, seedOrder.body.purchased], [200, true]);

    // Stored whole in PostgreSQL and in Redis.
    const rows = await app.sql<{ user_id: string }[]>`
      SELECT user_id FROM orders WHERE sale_id = ${saleId} ORDER BY user_id`;
    assertEquals(rows.map((r) => r.user_id), [ascii, accented]);
    const buyers = `${app.prefix}:{${saleId}}:buyers`;
    assertEquals(await redis.hexists(buyers, ascii), 1);
    assertEquals(await redis.hexists(buyers, accented), 1);

    // 256 is still one too many.
    const over = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, {
      userId: "a".repeat(256),
    });
    assertEquals([over.status, over.body.error?.code], [400, "VALIDATION_FAILED"]);
  } finally {
    redis.disconnect();
    await app.close();
  }
});
