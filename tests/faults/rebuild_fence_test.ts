import { Redis } from "ioredis";
import { connectDb, type Sql } from "../../lib/infra/db.ts";
import { Gate } from "../../lib/gate/gate.ts";
import { saleKeys } from "../../lib/gate/keys.ts";
import { Reconciler } from "../../lib/recovery/reconciler.ts";
import { OrderRepository } from "../../lib/orders/repository.ts";
import { makeSettle } from "../../lib/orders/settle.ts";
import { OutboxSweeper } from "../../lib/orders/sweeper.ts";
import type { RedisClient } from "../../lib/infra/redis/client.ts";
import { connectTcp } from "../../lib/infra/redis/tcp.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { adminAction, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { PG_PORT, throughPort } from "../helpers/env.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";
import { waitUntilQuiet } from "../helpers/invariants.ts";

/**
 * A second rebuilder, as another process would be: its own Redis connection and its own
 * PostgreSQL connection through a fault proxy, so the test can stall its PostgreSQL steps.
 */
class Rival {
  private constructor(
    readonly reconciler: Reconciler,
    readonly proxy: FaultProxy,
    private readonly sql: Sql,
    private readonly redis: RedisClient,
  ) {}

  static async start(app: TestApp, leaseMs: number): Promise<Rival> {
    const proxy = new FaultProxy(PG_PORT);
    const sql = connectDb(throughPort(app.db.url, proxy.port), { max: 1 });
    // Connected before the test stalls the proxy: a stall then holds queries, not the connect.
    await sql`SELECT 1`;
    const redis = await connectTcp(app.config.REDIS_URL);
    const gate = await Gate.load(redis, app.prefix);
    const orders = new OrderRepository(sql);
    const sweeper = new OutboxSweeper(gate, makeSettle(orders, gate, () => {}), () => [], {
      minAgeMs: 0,
      intervalMs: 1000,
    });
    const reconciler = new Reconciler(gate, orders, sweeper, () => {}, { leaseMs });
    return new Rival(reconciler, proxy, sql, redis);
  }

  async close(): Promise<void> {
    this.proxy.close();
    await this.sql.end({ timeout: 1 });
    await this.redis.close();
  }
}

async function ordersIn(app: TestApp, saleId: number): Promise<number> {
  const [row] = await app.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM orders WHERE sale_id = ${saleId}`;
  return row!.n;
}

async function resetAt(app: TestApp, saleId: number): Promise<number> {
  const [row] = await app.sql<
    { reset_at: Date }[]
  >`SELECT reset_at FROM sales WHERE id = ${saleId}`;
  return row!.reset_at.getTime();
}

async function withRedis<T>(app: TestApp, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(app.config.REDIS_URL);
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a rebuild whose lease lapsed is refused by PostgreSQL: its reset deletes nothing", async () => {
  const app = await startTestApp();
  const rival = await Rival.start(app, 30_000);
  try {
    const saleId = await createSale(app.url, { totalStock: 100 });
    const first = await pool(10, 10, (i) => purchase(app.url, saleId, `first-${i}`));
    assertEquals(countBy(first, (a) => a.result), { SUCCESS: 10 });

    rival.proxy.pause();
    const staleReset = rival.reconciler.reset(saleId).then(
      () => "done",
      (e: Error) => e.message,
    );
    const k = saleKeys(app.prefix, saleId);
    const held = await withRedis(app, async (redis) => {
      for (let i = 0; i < 200 && !(await redis.get(k.lock)); i++) await sleep(10);
      const token = await redis.get(k.lock);
      await sleep(200); // its PostgreSQL step is on its way, held in the proxy
      // The rival's lease lapses (a process paused, or cut from Redis, for longer than it).
      await redis.del(k.lock);
      return token;
    });
    assert(held !== null, "the rival held the sale");

    const reconcile = await adminAction(app.url, saleId, "reconcile");
    assertEquals(reconcile.status, 200, JSON.stringify(reconcile.body));
    const fence = await resetAt(app, saleId);
    const after = await pool(5, 5, (i) => purchase(app.url, saleId, `after-${i}`));
    assertEquals(countBy(after, (a) => a.result), { SUCCESS: 5 });

    rival.proxy.resume();
    assert((await staleReset) !== "done", "the stale reset was refused");
    assertEquals(await ordersIn(app, saleId), 15, "orders answered SUCCESS are still there");
    assert((await resetAt(app, saleId)) >= fence, "the fence never moves back");
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.orders, state.remaining, state.buyers], [15, 85, 15]);
  } finally {
    await rival.close();
    await app.close();
  }
});

const LEASE_MS = 600;

Deno.test("a rebuild stalled in PostgreSQL past its lease keeps the sale: the lease is renewed", async () => {
  const app = await startTestApp();
  const rival = await Rival.start(app, LEASE_MS);
  try {
    const saleId = await createSale(app.url, { totalStock: 20 });
    const first = await pool(4, 4, (i) => purchase(app.url, saleId, `first-${i}`));
    assertEquals(countBy(first, (a) => a.result), { SUCCESS: 4 });

    rival.proxy.pause();
    const stalled = rival.reconciler.reconcile(saleId);
    stalled.catch(() => {}); // awaited below; a failed assertion must not hide behind it
    await sleep(LEASE_MS * 5);
    const k = saleKeys(app.prefix, saleId);
    const lock = await withRedis(app, (redis) => redis.get(k.lock));
    assert(lock !== null, "the lease is still held");
    const second = await adminAction(app.url, saleId, "reconcile");
    assertEquals([second.status, second.body.error?.code], [503, "SALE_REBUILDING"]);
    const during = await purchase(app.url, saleId, "during");
    assertEquals(during.result, "SALE_REBUILDING", "the sale stays closed while the rebuild works");

    rival.proxy.resume();
    const drift = await stalled;
    assertEquals([drift.sold, drift.stockAfter], [4, 16]);
    assertEquals(await withRedis(app, (redis) => redis.exists(k.lock)), 0, "the lease is let go");
    assertEquals((await purchase(app.url, saleId, "later")).result, "SUCCESS");
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.orders, state.remaining, state.buyers], [5, 15, 5]);
  } finally {
    await rival.close();
    await app.close();
  }
});

for (const env of [{ DB_LOCK_TIMEOUT_MS: "300" }, { DB_STATEMENT_TIMEOUT_MS: "300" }]) {
  const name = Object.keys(env)[0];
  Deno.test(`${name} ends a rebuild step that waits on a held row, and the sale reopens`, async () => {
    const app = await startTestApp(env);
    const release = Promise.withResolvers<void>();
    let holding: Promise<unknown> = Promise.resolve();
    try {
      const saleId = await createSale(app.url, { totalStock: 10 });
      assertEquals((await purchase(app.url, saleId, "first")).result, "SUCCESS");
      const locked = Promise.withResolvers<void>();
      holding = app.sql.begin(async (tx) => {
        await tx`SELECT id FROM sales WHERE id = ${saleId} FOR UPDATE`;
        locked.resolve();
        await release.promise;
      });
      await locked.promise;

      const started = performance.now();
      const res = await Promise.race([
        adminAction(app.url, saleId, "reconcile"),
        sleep(5000).then(() => ({ status: 0, body: "no answer in 5 s" })),
      ]);
      const elapsed = performance.now() - started;
      assertEquals(res.status, 503, JSON.stringify(res.body));
      assert(elapsed < 3000, `answered in ${elapsed.toFixed(0)} ms`);
      const meta = await withRedis(
        app,
        (redis) => redis.hmget(saleKeys(app.prefix, saleId).meta, "state"),
      );
      assertEquals(meta, ["ready"], "the sale reopened while the row is still held");
      release.resolve();
      await holding;
      assertEquals(await ordersIn(app, saleId), 1);
    } finally {
      release.resolve();
      await holding.catch(() => {});
      await app.close();
    }
  });
}
