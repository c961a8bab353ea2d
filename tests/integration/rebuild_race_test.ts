import { Redis } from "ioredis";
import { saleKeys } from "../../lib/gate/keys.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { HELD_WRITER, startTestApp, type TestApp } from "../helpers/app.ts";
import {
  admin,
  adminAction,
  call,
  countBy,
  createSale,
  pool,
  purchase,
} from "../helpers/client.ts";
import { waitUntilQuiet } from "../helpers/invariants.ts";

async function ordersIn(app: TestApp, saleId: number): Promise<number> {
  const [row] = await app.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM orders WHERE sale_id = ${saleId}`;
  return row!.n;
}

async function redisMeta(app: TestApp, saleId: number) {
  const redis = new Redis(app.config.REDIS_URL);
  try {
    const k = saleKeys(app.prefix, saleId);
    const [meta, stock] = await Promise.all([redis.hgetall(k.meta), redis.get(k.stock)]);
    return { meta, stock: stock === null ? null : Number(stock) };
  } finally {
    redis.disconnect();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("a reset 2 ms after a reconcile still deletes the orders and restores the stock", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 100 });
    const bought = await pool(30, 10, (i) => purchase(app.url, saleId, `buyer-${i}`));
    assertEquals(countBy(bought, (a) => a.result), { SUCCESS: 30 });
    assertEquals(await ordersIn(app, saleId), 30);

    const reconcile = adminAction(app.url, saleId, "reconcile");
    await new Promise((r) => setTimeout(r, 2));
    const reset = await adminAction(app.url, saleId, "reset");
    assertEquals((await reconcile).status, 200);
    assertEquals([reset.status, reset.body.reset.stockAfter], [200, 100]);

    assertEquals(await ordersIn(app, saleId), 0, "the reset deleted the orders");
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.orders, state.remaining, state.buyers], [0, 100, 0]);
  } finally {
    await app.close();
  }
});

Deno.test("a settings change while a rebuild is held in PostgreSQL reaches Redis", async () => {
  const app = await startTestApp({
    // Purchases stay in the outbox, so the rebuild's drain has PostgreSQL work to wait on.
    ...HELD_WRITER,
    DB_LOCK_TIMEOUT_MS: "30000",
  });
  const release = Promise.withResolvers<void>();
  let holding: Promise<unknown> = Promise.resolve();
  try {
    const saleId = await createSale(app.url, { totalStock: 100 });
    const first = await pool(6, 6, (i) => purchase(app.url, saleId, `early-${i}`));
    assertEquals(countBy(first, (a) => a.result), { PENDING: 6 });

    // A session of the test's own keeps every insert out of the orders table (reads go on): the
    // rebuild's drain waits on it.
    const locked = Promise.withResolvers<void>();
    holding = app.sql.begin(async (tx) => {
      await tx`LOCK TABLE orders IN EXCLUSIVE MODE`;
      locked.resolve();
      await release.promise;
    });
    await locked.promise;
    const reconcile = adminAction(app.url, saleId, "reconcile");
    await until("the rebuild to wait on the lock", async () => {
      const [row] = await app.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return row!.n > 0;
    });

    const endMs = Date.now() + 4000;
    const patch = call(app.url, "PATCH", `/api/admin/sales/${saleId}`, {
      totalStock: 50,
      endTime: new Date(endMs).toISOString(),
    }, admin);
    await until("the change to commit", async () => {
      const [row] = await app.sql<{ total_stock: number }[]>`
        SELECT total_stock FROM sales WHERE id = ${saleId}`;
      return row!.total_stock === 50;
    });
    release.resolve();
    await holding;
    assertEquals((await reconcile).status, 200);
    assertEquals((await patch).status, 200);

    const { meta, stock } = await redisMeta(app, saleId);
    assertEquals([meta.total, meta.end, stock], ["50", String(endMs), 44]);
    await app.platform.writer.drain();
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.total, state.orders, state.remaining], [50, 6, 44]);

    await new Promise((r) => setTimeout(r, Math.max(0, endMs - Date.now() + 200)));
    const late = await purchase(app.url, saleId, "too-late");
    assertEquals([late.status, late.result], [403, "SALE_NOT_ACTIVE"]);
    assertEquals(await ordersIn(app, saleId), 6, "nothing sold past the new end");
    assertEquals((await redisMeta(app, saleId)).stock, 44);
  } finally {
    release.resolve();
    await holding.catch(() => {});
    await app.close();
  }
});

Deno.test("with no live state, a total below what PostgreSQL holds is refused", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 10 });
    const bought = await pool(6, 6, (i) => purchase(app.url, saleId, `buyer-${i}`));
    assertEquals(countBy(bought, (a) => a.result), { SUCCESS: 6 });
    await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    const redis = new Redis(app.config.REDIS_URL);
    const k = saleKeys(app.prefix, saleId);
    await redis.del(k.meta, k.stock, k.buyers);
    redis.disconnect();

    const res = await call(
      app.url,
      "PATCH",
      `/api/admin/sales/${saleId}`,
      { totalStock: 5 },
      admin,
    );
    assertEquals([res.status, res.body.error?.code], [409, "STOCK_BELOW_RESERVED"]);
    const [row] = await app.sql<{ total_stock: number }[]>`
      SELECT total_stock FROM sales WHERE id = ${saleId}`;
    assertEquals(row!.total_stock, 10, "nothing written");

    const ok = await call(app.url, "PATCH", `/api/admin/sales/${saleId}`, { totalStock: 6 }, admin);
    assertEquals(ok.status, 200);
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.total, state.orders, state.remaining], [6, 6, 0]);
    assert(state.buyers === 6);
  } finally {
    await app.close();
  }
});
