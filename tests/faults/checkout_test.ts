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
import { countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { CHECKOUT_ENV } from "../helpers/checkout.ts";
import { throughPort } from "../helpers/env.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";

/**
 * Checkout holds (DESIGN §9) under faults: a rebuild racing a release, the expiry worker killed,
 * Redis losing its data, PostgreSQL away across a deadline, and payments racing the expiry. Every
 * ended hold gives its stock back exactly once, no order is both paid and given back, and Redis
 * agrees with PostgreSQL once settled.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A rebuilder of its own, as another process would be: its Redis traffic goes through a fault
 * proxy, so the test can hold its write to Redis after its count in PostgreSQL.
 */
class Rebuilder {
  private constructor(
    readonly reconciler: Reconciler,
    readonly redisProxy: FaultProxy,
    private readonly sql: Sql,
    private readonly redis: RedisClient,
  ) {}

  static async start(app: TestApp): Promise<Rebuilder> {
    const redisUrl = new URL(app.config.REDIS_URL);
    const redisProxy = new FaultProxy(Number(redisUrl.port || 6379));
    const redis = await connectTcp(throughPort(app.config.REDIS_URL, redisProxy.port));
    const sql = connectDb(app.db.url, { max: 1 });
    const gate = await Gate.load(redis, app.prefix);
    const orders = new OrderRepository(sql);
    const sweeper = new OutboxSweeper(gate, makeSettle(orders, gate, () => {}), () => [], {
      minAgeMs: 0,
      intervalMs: 1000,
    });
    const reconciler = new Reconciler(gate, orders, sweeper, () => {});
    return new Rebuilder(reconciler, redisProxy, sql, redis);
  }

  async close(): Promise<void> {
    this.redisProxy.close();
    await this.sql.end({ timeout: 1 });
    await this.redis.close();
  }
}

Deno.test("a hold that ends while a rebuild is between its count and its write gives its stock back after the rebuild", async () => {
  const app = await startTestApp(CHECKOUT_ENV);
  const rebuilder = await Rebuilder.start(app);
  const unlock = Promise.withResolvers<void>();
  let holding: Promise<unknown> = Promise.resolve();
  try {
    const saleId = await createSale(app.url, { totalStock: 5, checkout: { holdSeconds: 600 } });
    const bought = await pool(3, 3, (i) => purchase(app.url, saleId, `h-${i}`));
    assertEquals(countBy(bought, (a) => a.result), { SUCCESS: 3 });
    await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);

    // A session of the test's own holds the sale's row: the rebuild's count waits on it.
    const locked = Promise.withResolvers<void>();
    holding = app.sql.begin(async (tx) => {
      await tx`SELECT id FROM sales WHERE id = ${saleId} FOR UPDATE`;
      locked.resolve();
      await unlock.promise;
    });
    await locked.promise;
    const rebuild = rebuilder.reconciler.reconcile(saleId);
    rebuild.catch(() => {}); // awaited below
    await until("the rebuild's count to wait on the row", async () => {
      const [row] = await app.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return row!.n > 0;
    });
    const token = await withRedis(app, (r) => r.get(saleKeys(app.prefix, saleId).lock));
    assert(token !== null, "the rebuild holds the sale");

    // The count goes on and sees every hold live; its write to Redis waits in the proxy.
    rebuilder.redisProxy.pause();
    unlock.resolve();
    await holding;
    await until("the count to commit", async () => {
      const [row] = await app.sql<{ token: string }[]>`
        SELECT rebuild_token::text AS token FROM sales WHERE id = ${saleId}`;
      return row!.token === token;
    });

    // Meanwhile h-0's hold ends and the expiry worker gives it back.
    await app.sql`
      UPDATE orders SET hold_expires_at = now() - interval '1 second'
      WHERE sale_id = ${saleId} AND user_id = 'h-0'`;
    await app.platform.expiry.step();
    const [waiting] = await app.sql<{ status: string; released: boolean }[]>`
      SELECT status, released_at IS NOT NULL AS released FROM orders
      WHERE sale_id = ${saleId} AND user_id = 'h-0'`;
    assertEquals(
      [waiting!.status, waiting!.released],
      ["expired", false],
      "it waits for the rebuild",
    );

    rebuilder.redisProxy.resume();
    await rebuild;
    // The worker's next steps finish whatever the rebuild left.
    await app.platform.expiry.step();
    await app.platform.expiry.step();

    const [row] = await app.sql<{ status: string; released: boolean }[]>`
      SELECT status, released_at IS NOT NULL AS released FROM orders
      WHERE sale_id = ${saleId} AND user_id = 'h-0'`;
    assertEquals([row!.status, row!.released], ["expired", true]);
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId, 3000);
    assertEquals(
      { sold: state.sold, remaining: state.remaining, buyers: state.buyers },
      { sold: 2, remaining: 3, buyers: 2 },
      "the ended hold's item is back in Redis, and its shopper is no buyer",
    );
    assertEquals(await breaches(app.sql, state, saleId, bought), NO_BREACHES);
  } finally {
    unlock.resolve();
    await holding.catch(() => {});
    await rebuilder.close();
    await app.close();
  }
});

async function withRedis<T>(app: TestApp, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(app.config.REDIS_URL);
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}
