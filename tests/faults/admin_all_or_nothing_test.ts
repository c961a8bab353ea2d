import { Redis } from "ioredis";
import { saleKeys } from "../../lib/gate/keys.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { admin, call, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { readState } from "../helpers/invariants.ts";
import { RedisServer } from "../helpers/processes.ts";

/** A sale of 10 with 3 bought: the state every failed reset must leave exactly as it was. */
async function saleWithThreeSold(app: TestApp): Promise<number> {
  const saleId = await createSale(app.url, { totalStock: 10 });
  const bought = await pool(3, 3, (i) => purchase(app.url, saleId, `bought-${i}`));
  assertEquals(countBy(bought, (a) => a.result), { SUCCESS: 3 });
  return saleId;
}

/** Both reset routes, each asked for a total below the items sold: every one must fail whole. */
async function failedResets(app: TestApp, saleId: number): Promise<number[]> {
  const api = await call(app.url, "POST", `/api/admin/sales/${saleId}/reset`, {
    totalStock: 2,
  }, admin);
  const compat = await call(app.url, "POST", `/sale/reset?saleId=${saleId}`, { stock: 2 }, admin);
  return [api.status, compat.status];
}

/** PostgreSQL and Redis as the sale was before the failed resets, and a PATCH that sees 3 sold. */
async function assertUnchanged(app: TestApp, redisUrl: string, saleId: number): Promise<void> {
  const state = await readState(app.sql, redisUrl, app.prefix, saleId);
  assertEquals(
    { total: state.total, orders: state.orders, remaining: state.remaining, buyers: state.buyers },
    { total: 10, orders: 3, remaining: 7, buyers: 3 },
  );
  const lower = await call(
    app.url,
    "PATCH",
    `/api/admin/sales/${saleId}`,
    { totalStock: 1 },
    admin,
  );
  assertEquals(lower.status, 409, JSON.stringify(lower.body));
  assert(
    String(lower.body.error?.message).includes("at least 3"),
    `the PATCH counts the 3 sold: ${JSON.stringify(lower.body)}`,
  );
  const stats = await call(app.url, "GET", `/api/admin/sales/${saleId}/stats`, undefined, admin);
  assertEquals([stats.body.sold, stats.body.remainingStock], [3, 7]);
}

async function endTime(app: TestApp, saleId: number): Promise<number> {
  const [row] = await app.sql<
    { end_time: Date }[]
  >`SELECT end_time FROM sales WHERE id = ${saleId}`;
  return row!.end_time.getTime();
}

/** Waits until the app answers its health check again (it reconnects to Redis on its own). */
async function healthy(app: TestApp): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (
    (await fetch(`${app.url}/health`).then((r) => r.body?.cancel().then(() => r.status))) !== 200
  ) {
    assert(Date.now() < deadline, "the app reconnects to Redis");
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("admin changes that meet a dead Redis change nothing in PostgreSQL: the total, the times and the orders stay", async () => {
  const redisServer = await RedisServer.start(["--save", "", "--appendonly", "yes"]);
  const app = await startTestApp({ REDIS_URL: redisServer.url });
  try {
    const saleId = await saleWithThreeSold(app);
    const endBefore = await endTime(app, saleId);
    await redisServer.kill();
    const statuses = await failedResets(app, saleId);
    const patch = await call(app.url, "PATCH", `/api/admin/sales/${saleId}`, {
      totalStock: 20,
    }, admin);
    const times = await call(app.url, "PUT", `/sale/${saleId}/times`, {
      startTime: new Date(Date.now() - 60_000).toISOString(),
      endTime: new Date(Date.now() + 7_200_000).toISOString(),
    }, admin);
    assertEquals([...statuses, patch.status, times.status], [503, 503, 503, 503]);
    assertEquals(await endTime(app, saleId), endBefore);
    // Redis comes back with its data (appendonly).
    await redisServer.restart();
    await healthy(app);
    await assertUnchanged(app, redisServer.url, saleId);
  } finally {
    await app.close();
    await redisServer.stop();
  }
});

Deno.test("a sale created while Redis is down is created once, and sells once Redis is back", async () => {
  const redisServer = await RedisServer.start();
  const app = await startTestApp({ REDIS_URL: redisServer.url });
  try {
    await redisServer.kill();
    // The sale is in PostgreSQL from the insert on: an error here would have the admin create it
    // a second time. Its live state is built by the first purchase that finds it missing.
    const create = await call(app.url, "POST", "/api/admin/sales", {
      name: "Created offline",
      totalStock: 2,
      startTime: new Date(Date.now() - 60_000).toISOString(),
      endTime: new Date(Date.now() + 3_600_000).toISOString(),
    }, admin);
    await redisServer.restart();
    assertEquals(create.status, 201, JSON.stringify(create.body));
    const saleId: number = create.body.id;
    const created = await app.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM sales WHERE name = 'Created offline'`;
    assertEquals(created[0]?.n, 1);
    await healthy(app);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const a = await purchase(app.url, saleId, "first");
      if (a.result === "SUCCESS") break;
      assertEquals(a.result, "SALE_REBUILDING");
      assert(Date.now() < deadline, "the sale's state is built from PostgreSQL");
      await new Promise((r) => setTimeout(r, 100));
    }
    const state = await readState(app.sql, redisServer.url, app.prefix, saleId);
    assertEquals([state.total, state.orders, state.remaining], [2, 1, 1]);
  } finally {
    await app.close();
    await redisServer.stop();
  }
});

Deno.test("a reset refused because another rebuild holds the sale changes nothing", async () => {
  const app = await startTestApp();
  const redis = new Redis(app.config.REDIS_URL);
  try {
    const saleId = await saleWithThreeSold(app);
    // Another process's rebuild holds the lease (hold.lua refuses a second one).
    const lock = saleKeys(app.prefix, saleId).lock;
    await redis.set(lock, "1", "PX", 60_000);
    const statuses = await failedResets(app, saleId);
    assertEquals(statuses, [503, 503]);
    await redis.del(lock);
    await assertUnchanged(app, app.config.REDIS_URL, saleId);
    // Once the sale is free, the same reset goes through whole.
    const reset = await call(app.url, "POST", `/api/admin/sales/${saleId}/reset`, {
      totalStock: 2,
    }, admin);
    assertEquals(reset.status, 200, JSON.stringify(reset.body));
    const state = await readState(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals(
      {
        total: state.total,
        orders: state.orders,
        remaining: state.remaining,
        buyers: state.buyers,
      },
      { total: 2, orders: 0, remaining: 2, buyers: 0 },
    );
  } finally {
    redis.disconnect();
    await app.close();
  }
});
