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
import { type Answer, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { cancelHold, CHECKOUT_ENV, sendPayment } from "../helpers/checkout.ts";
import { createTestDatabase, PG_PORT, throughPort } from "../helpers/env.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";
import { History, ITERATIONS, LONG } from "../helpers/history.ts";
import { breaches, holdBreaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { RedisServer, serverFixture, ServerProcess } from "../helpers/processes.ts";
import { expiryLeaseKey } from "../../lib/checkout/expiry.ts";

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

interface HoldRow {
  id: string;
  user_id: string;
  status: string;
  paid: boolean;
  released: boolean;
}

async function holdRows(sql: Sql, saleId: number): Promise<HoldRow[]> {
  return await sql<HoldRow[]>`
    SELECT id, user_id, status, paid_at IS NOT NULL AS paid, released_at IS NOT NULL AS released
    FROM orders WHERE sale_id = ${saleId} ORDER BY user_id, created_at`;
}

/** Sets the holds' deadlines `ms` from PostgreSQL's now (negative: already past). */
async function deadline(sql: Sql, saleId: number, userIds: string[], ms: number): Promise<void> {
  await sql`
    UPDATE orders SET hold_expires_at = now() + ${ms} * interval '1 millisecond'
    WHERE sale_id = ${saleId} AND user_id = ANY(${userIds}) AND status = 'held'`;
}

/** Waits until every hold of `userIds` has ended and its stock is marked given back. */
async function allReleased(sql: Sql, saleId: number, userIds: string[], ms = 20_000) {
  const wanted = new Set(userIds);
  await until(`${userIds.length} holds to end and be given back`, async () => {
    const rows = (await holdRows(sql, saleId)).filter((r) => wanted.has(r.user_id));
    return rows.length === wanted.size &&
      rows.every((r) => ["expired", "cancelled"].includes(r.status) && r.released);
  }, ms);
}

const range = (n: number, name: string, from = 0) =>
  Array.from({ length: n }, (_, i) => `${name}-${from + i}`);

Deno.test("kill -9 of the process that runs expiry: another takes over within the lease, every due hold ends and comes back once", async () => {
  for (let round = 0; round < ITERATIONS; round++) {
    const h = new History("checkout-expiry-kill9");
    const redis = await RedisServer.start();
    const f = await serverFixture({ ...CHECKOUT_ENV, REDIS_URL: redis.url });
    const servers = [new ServerProcess(f.env), new ServerProcess(f.env)];
    const direct = new Redis(redis.url);
    try {
      await Promise.all(servers.map((s) => s.start()));
      const saleId = await createSale(servers[0]!.url, {
        totalStock: 40,
        checkout: { holdSeconds: 600 },
      });
      const shoppers = range(30, "k");
      const bought = await pool(30, 10, (i) => purchase(servers[i % 2]!.url, saleId, shoppers[i]!));
      assertEquals(countBy(bought, (a) => a.result), { SUCCESS: 30 });

      const leaseKey = expiryLeaseKey(f.prefix);
      await until(
        "a worker to hold the expiry lease",
        async () => (await direct.get(leaseKey)) !== null,
      );
      const holderPid = Number((await direct.get(leaseKey))!.split("/")[1]);
      const holder = servers.find((s) => s.pids().includes(holderPid));
      assert(holder, `the lease names a worker of one of the servers (pid ${holderPid})`);
      const survivor = servers.find((s) => s !== holder)!;

      // 20 holds come due over the next 1.5 s; the worker dies somewhere in that span.
      const due = shoppers.slice(0, 20);
      for (const userId of due) await deadline(f.sql, saleId, [userId], h.int(0, 1500));
      await sleep(h.int(0, 1500));
      await holder.signal("SIGKILL");

      await allReleased(f.sql, saleId, due);
      const token = await direct.get(leaseKey);
      assert(token !== null && survivor.pids().includes(Number(token.split("/")[1])), token ?? "");
      const rows = await holdRows(f.sql, saleId);
      assertEquals(countBy(rows, (r) => r.status), { expired: 20, held: 10 });

      // The items came back once each: another shopper buys every one of them, and no more.
      const more = await pool(35, 10, (i) => purchase(survivor.url, saleId, `late-${i}`));
      assertEquals(countBy(more, (a) => a.result), { SUCCESS: 30, SOLD_OUT: 5 });
      const state = await waitUntilQuiet(f.sql, redis.url, f.prefix, saleId);
      assertEquals([state.sold, state.remaining, state.buyers], [40, 0, 40]);
      assertEquals(await breaches(f.sql, state, saleId, [...bought, ...more]), NO_BREACHES);
    } finally {
      direct.disconnect();
      await f.close(servers);
      await redis.stop();
    }
  }
});

for (const loss of ["FLUSHALL", "kill -9 and a restart without persistence"] as const) {
  Deno.test(`Redis loses its data (${loss}) while holds are open: rebuilt from live orders, due holds come back once, paid stay paid`, async () => {
    for (let round = 0; round < ITERATIONS; round++) {
      const redis = await RedisServer.start();
      const app = await startTestApp({ ...CHECKOUT_ENV, REDIS_URL: redis.url });
      try {
        const saleId = await createSale(app.url, {
          totalStock: 40,
          checkout: { holdSeconds: 600 },
        });
        const shoppers = range(30, "r");
        const bought = await pool(30, 10, (i) => purchase(app.url, saleId, shoppers[i]!));
        assertEquals(countBy(bought, (a) => a.result), { SUCCESS: 30 });
        const paid = shoppers.slice(0, 10);
        const due = shoppers.slice(10, 20);
        const paidAnswers = await pool(
          10,
          10,
          (i) => sendPayment(app.url, { id: `evt_${paid[i]}`, orderId: bought[i]!.orderId! }),
        );
        assertEquals(countBy(paidAnswers, (a) => a.status), { 200: 10 });
        // A cancel given back before the loss, and holds that come due right after it.
        assertEquals((await cancelHold(app.url, saleId, "r-29")).status, 200);
        await deadline(app.sql, saleId, due, 200);

        if (loss === "FLUSHALL") {
          const direct = new Redis(redis.url);
          await direct.flushall();
          direct.disconnect();
        } else {
          await redis.kill();
          await redis.restart();
        }

        // No purchase comes: the expiry worker itself has the sale rebuilt to give the holds back.
        await allReleased(app.sql, saleId, [...due, "r-29"]);
        const rows = await holdRows(app.sql, saleId);
        assertEquals(countBy(rows, (r) => r.status), {
          paid: 10,
          expired: 10,
          held: 9,
          cancelled: 1,
        });
        assert(rows.filter((r) => r.status === "paid").every((r) => r.paid && !r.released));
        const rebuilt = await waitUntilQuiet(app.sql, redis.url, app.prefix, saleId);
        assertEquals([rebuilt.sold, rebuilt.remaining, rebuilt.buyers], [19, 21, 19]);

        const more = await pool(25, 10, (i) => purchase(app.url, saleId, `late-${i}`));
        assertEquals(countBy(more, (a) => a.result), { SUCCESS: 21, SOLD_OUT: 4 });
        const state = await waitUntilQuiet(app.sql, redis.url, app.prefix, saleId);
        assertEquals([state.sold, state.remaining, state.buyers], [40, 0, 40]);
        assertEquals(
          await breaches(app.sql, state, saleId, [...bought, ...more], { redisLostData: true }),
          NO_BREACHES,
        );
      } finally {
        await app.close();
        await redis.stop();
      }
    }
  });
}

/** A payment provider's delivery: given up after `timeoutMs` (then status 0), as a provider does. */
async function deliver(base: string, id: string, orderId: string, timeoutMs: number) {
  const answer = await Promise.race([
    sendPayment(base, { id, orderId }).catch((): Answer => ({ status: 0, body: null })),
    sleep(timeoutMs).then((): Answer => ({ status: 0, body: null })),
  ]);
  return answer;
}

/** Delivers an event until it is decided (200 or 409), as a provider retries; every answer. */
async function deliverUntilDecided(
  base: string,
  id: string,
  orderId: string,
  stop: () => boolean,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (;;) {
    const a = await deliver(base, id, orderId, 1000);
    answers.push(a);
    if (a.status === 200 || a.status === 409 || stop()) return answers;
    await sleep(300);
  }
}

Deno.test("PostgreSQL away across a deadline: holds end after it returns, payments are decided by PostgreSQL's clock then, late ones listed", async () => {
  for (let round = 0; round < ITERATIONS; round++) {
    const db = await createTestDatabase();
    const proxy = new FaultProxy(PG_PORT);
    const redis = await RedisServer.start();
    const app = await startTestApp({
      ...CHECKOUT_ENV,
      REDIS_URL: redis.url,
      DATABASE_URL: throughPort(db.url, proxy.port),
    }, db);
    let giveUp = false;
    try {
      const saleId = await createSale(app.url, { totalStock: 20, checkout: { holdSeconds: 600 } });
      const shoppers = range(12, "p");
      const bought = await pool(12, 12, (i) => purchase(app.url, saleId, shoppers[i]!));
      assertEquals(countBy(bought, (a) => a.result), { SUCCESS: 12 });
      const order = new Map(bought.map((a) => [a.userId, a.orderId!]));
      // p-0..p-5 are due in 1.5 s, while PostgreSQL is away; p-6..p-11 an hour from now.
      const soon = shoppers.slice(0, 6);
      await deadline(app.sql, saleId, soon, 1500);

      proxy.pause();
      // Paid before the deadline (p-0, p-1), and after it (p-6, p-7), while PostgreSQL is away.
      const early = ["p-0", "p-1"].map((u) =>
        deliverUntilDecided(app.url, `evt_${u}`, order.get(u)!, () => giveUp)
      );
      await sleep(2500);
      const late = ["p-6", "p-7"].map((u) =>
        deliverUntilDecided(app.url, `evt_${u}`, order.get(u)!, () => giveUp)
      );
      await sleep(1000);
      // Read over the test's own connection, which bypasses the proxy.
      const outage = await app.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM payment_events`;
      proxy.resume();
      const earlyAnswers = await Promise.all(early);
      const lateAnswers = await Promise.all(late);

      // Nothing was decided while PostgreSQL was away: each delivery then failed (no answer in
      // time, or a 5xx), and the provider sent it again.
      for (const answers of [...earlyAnswers, ...lateAnswers]) {
        assert(answers.length >= 2, "the first delivery failed");
        assert(answers.slice(0, -1).every((a) => a.status === 0 || a.status >= 500));
      }
      assertEquals(outage[0]!.n, 0, "no event reached PostgreSQL before it returned");
      // PostgreSQL decides at the moment it sees the payment: after p-0's deadline, so it is late.
      for (const answers of earlyAnswers) {
        const last = answers.at(-1)!;
        assertEquals([last.status, last.body.error?.code, last.body.order?.status], [
          409,
          "HOLD_EXPIRED",
          "expired",
        ]);
      }
      for (const answers of lateAnswers) {
        assertEquals([answers.at(-1)!.status, answers.at(-1)!.body.order?.status], [200, "paid"]);
      }

      await allReleased(app.sql, saleId, soon);
      const rows = await holdRows(app.sql, saleId);
      assertEquals(countBy(rows, (r) => r.status), { expired: 6, paid: 2, held: 4 });
      const events = await app.sql<{ id: string; outcome: string }[]>`
        SELECT id, outcome FROM payment_events ORDER BY id`;
      assertEquals(events.map((e) => `${e.id} ${e.outcome}`), [
        "evt_p-0 late",
        "evt_p-1 late",
        "evt_p-6 paid",
        "evt_p-7 paid",
      ]);
      const stats = await app.platform.holds.ofSale(saleId);
      assertEquals(stats.latePayments.map((l) => l.eventId).sort(), ["evt_p-0", "evt_p-1"]);
      const state = await waitUntilQuiet(app.sql, redis.url, app.prefix, saleId);
      assertEquals([state.sold, state.remaining, state.buyers], [6, 14, 6]);
      assertEquals(await breaches(app.sql, state, saleId, bought), NO_BREACHES);
    } finally {
      giveUp = true;
      proxy.close();
      await app.close();
      await redis.stop();
    }
  }
});

Deno.test("payment and expiry in the same milliseconds, for 200 holds: each order ends paid or given back once, and every answer agrees with PostgreSQL", async () => {
  const n = 200;
  const rounds = LONG ? 10 : 1;
  const h = new History("checkout-payment-expiry");
  const redis = await RedisServer.start();
  const app = await startTestApp({ ...CHECKOUT_ENV, REDIS_URL: redis.url });
  try {
    for (let round = 0; round < rounds; round++) {
      const saleId = await createSale(app.url, { totalStock: n, checkout: { holdSeconds: 600 } });
      const bought = await pool(n, 50, (i) => purchase(app.url, saleId, `s-${i}`));
      assertEquals(countBy(bought, (a) => a.result), { SUCCESS: n });
      // Payment i is sent `at[i]` ms from now and its hold is due within 150 ms after that (about what a payment takes to reach PostgreSQL in a burst), by
      // PostgreSQL's clock: many payments meet their deadline in the same milliseconds.
      const at = bought.map(() => h.int(0, 400));
      const ids = bought.map((a) => a.orderId!);
      const due = at.map((ms) => ms + h.int(0, 150));
      await app.sql`
        UPDATE orders o SET hold_expires_at = now() + v.ms * interval '1 millisecond'
        FROM unnest(${ids}::uuid[], ${due}::int[]) AS v(id, ms)
        WHERE o.id = v.id`;
      const releasedBefore = app.platform.holds.stats.released;
      let paying = true;
      const stepping = (async () => {
        while (paying) await app.platform.expiry.step();
      })();
      const answers = await Promise.all(bought.map(async (a, i) => {
        await sleep(at[i]!);
        return await sendPayment(app.url, { id: `evt_${round}_${i}`, orderId: a.orderId! });
      }));
      paying = false;
      await stepping;
      await app.platform.expiry.step();

      const rows = new Map((await holdRows(app.sql, saleId)).map((r) => [r.id, r]));
      const events = new Map(
        (await app.sql<{ order_id: string; outcome: string }[]>`
          SELECT order_id, outcome FROM payment_events WHERE sale_id = ${saleId}`)
          .map((e) => [e.order_id, e.outcome]),
      );
      answers.forEach((a, i) => {
        const row = rows.get(bought[i]!.orderId!)!;
        const event = events.get(row.id);
        if (a.status === 200) {
          assertEquals([a.body.order.status, row.status, row.paid, row.released, event], [
            "paid",
            "paid",
            true,
            false,
            "paid",
          ]);
        } else {
          assertEquals([a.status, a.body.error?.code, row.status, row.paid, row.released, event], [
            409,
            "HOLD_EXPIRED",
            "expired",
            false,
            true,
            "late",
          ]);
        }
      });
      const paid = answers.filter((a) => a.status === 200).length;
      console.log(`[payment-expiry race] round ${round}: ${paid} paid, ${n - paid} expired`);
      assertEquals(app.platform.holds.stats.released - releasedBefore, n - paid, "given back once");
      const state = await waitUntilQuiet(app.sql, redis.url, app.prefix, saleId);
      assertEquals([state.sold, state.remaining, state.buyers], [paid, n - paid, paid]);
      assertEquals(await holdBreaches(app.sql, saleId), {
        paidAndReleased: 0,
        unreleased: 0,
        paidTwice: 0,
      });
      assertEquals(await breaches(app.sql, state, saleId, bought), NO_BREACHES);
    }
  } finally {
    await app.close();
    await redis.stop();
  }
});
