import { assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { call, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { sameShopperStorm } from "../helpers/scenarios.ts";

Deno.test("one shopper, 60 purchases at once: one order, 59 ALREADY_PURCHASED with its id", async () => {
  const app = await startTestApp();
  try {
    await sameShopperStorm(app, REDIS_URL);
  } finally {
    await app.close();
  }
});

Deno.test("20 shoppers asking 3 each of 10 items: three orders of 3, and the 10th item still sells", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 10, perUserLimit: 3 });
    const attempts = await pool(20, 20, (i) => purchase(app.url, saleId, `triple-${i}`, 3));
    assertEquals(countBy(attempts, (a) => a.result), { SUCCESS: 3, SOLD_OUT: 17 });

    // One left: a request for 3 is refused with the true count, a request for 1 sells it.
    const tooMany = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, {
      userId: "late",
      quantity: 2,
    });
    assertEquals([tooMany.status, tooMany.body.result, tooMany.body.remainingStock], [
      410,
      "SOLD_OUT",
      1,
    ]);
    const last = await purchase(app.url, saleId, "last-one", 1);
    assertEquals([last.status, last.result], [201, "SUCCESS"]);
    const after = await purchase(app.url, saleId, "after-last", 1);
    assertEquals([after.status, after.result], [410, "SOLD_OUT"]);

    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals([state.orders, state.sold, state.remaining], [4, 10, 0]);
    assertEquals(await breaches(app.sql, state, saleId, [...attempts, last, after]), NO_BREACHES);
  } finally {
    await app.close();
  }
});

Deno.test("a quantity above the per-shopper limit is refused and writes nothing", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 10, perUserLimit: 2 });
    const res = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, {
      userId: "greedy",
      quantity: 3,
    });
    assertEquals(res.status, 400);
    assertEquals(res.body.error.code, "QUANTITY_OVER_LIMIT");
    const ok = await purchase(app.url, saleId, "greedy", 2);
    assertEquals(ok.result, "SUCCESS");
    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals([state.sold, state.remaining], [2, 8]);
  } finally {
    await app.close();
  }
});

Deno.test("upcoming and ended sales answer SALE_NOT_ACTIVE; an unknown sale 404", async () => {
  const app = await startTestApp();
  try {
    const hour = 3_600_000;
    const upcoming = await createSale(app.url, {
      totalStock: 5,
      startTime: new Date(Date.now() + hour).toISOString(),
      endTime: new Date(Date.now() + 2 * hour).toISOString(),
    });
    const ended = await createSale(app.url, {
      totalStock: 5,
      startTime: new Date(Date.now() - 2 * hour).toISOString(),
      endTime: new Date(Date.now() - hour).toISOString(),
    });
    for (const [saleId, status] of [[upcoming, "UPCOMING"], [ended, "ENDED"]] as const) {
      const res = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId: "early" });
      assertEquals([res.status, res.body.result], [403, "SALE_NOT_ACTIVE"]);
      const sale = await call(app.url, "GET", `/api/sales/${saleId}`);
      assertEquals([sale.body.status, sale.body.remainingStock], [status, 5]);
    }
    const missing = await call(app.url, "POST", "/api/sales/999999/purchase", { userId: "x" });
    assertEquals([missing.status, missing.body.result], [404, "SALE_NOT_FOUND"]);
    const seedMissing = await call(app.url, "POST", "/purchase", { userId: "x", saleId: 999999 });
    assertEquals(seedMissing.status, 404);
    const [row] = await app.sql`SELECT count(*)::int AS n FROM orders`;
    assertEquals(row?.n, 0);
  } finally {
    await app.close();
  }
});

Deno.test("opening a sale by PATCH lets it sell; lowering stock below what is sold is refused", async () => {
  const app = await startTestApp();
  try {
    const hour = 3_600_000;
    const saleId = await createSale(app.url, {
      totalStock: 5,
      startTime: new Date(Date.now() + hour).toISOString(),
      endTime: new Date(Date.now() + 2 * hour).toISOString(),
    });
    assertEquals((await purchase(app.url, saleId, "a")).result, "SALE_NOT_ACTIVE");
    const patch = await call(app.url, "PATCH", `/api/admin/sales/${saleId}`, {
      startTime: new Date(Date.now() - 1000).toISOString(),
    }, { authorization: "Bearer test-admin-token-0123456789" });
    assertEquals([patch.status, patch.body.status], [200, "ACTIVE"]);
    await pool(3, 3, (i) => purchase(app.url, saleId, `buyer-${i}`));

    const auth = { authorization: "Bearer test-admin-token-0123456789" };
    const lower = await call(
      app.url,
      "PATCH",
      `/api/admin/sales/${saleId}`,
      { totalStock: 2 },
      auth,
    );
    assertEquals([lower.status, lower.body.error.code], [409, "STOCK_BELOW_RESERVED"]);
    const [sale] = await app.sql`SELECT total_stock FROM sales WHERE id = ${saleId}`;
    assertEquals(sale?.total_stock, 5, "a refused change writes nothing");

    const raise = await call(
      app.url,
      "PATCH",
      `/api/admin/sales/${saleId}`,
      { totalStock: 8 },
      auth,
    );
    assertEquals([raise.status, raise.body.remainingStock], [200, 5]);
    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals([state.total, state.sold, state.remaining], [8, 3, 5]);
  } finally {
    await app.close();
  }
});
