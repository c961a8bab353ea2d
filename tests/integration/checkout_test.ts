import { Redis } from "ioredis";
import { SignJWT } from "jose";
import { saleKeys } from "../../lib/gate/keys.ts";
import { expiryLeaseKey } from "../../lib/checkout/expiry.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { admin, call, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { breaches, holdBreaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { cancelHold, CHECKOUT_ENV, sendPayment } from "../helpers/checkout.ts";
import { buyWith, joinLine, waitPast } from "../helpers/line.ts";

/**
 * Checkout holds (DESIGN §9) against the real Redis and PostgreSQL: what PostgreSQL holds and what
 * the API says agree at every step; a hold is paid, cancelled or expired, never two of them; its
 * stock comes back exactly once.
 */

interface Row {
  id: string;
  user_id: string;
  status: string;
  created_at: Date;
  hold_expires_at: Date | null;
  paid_at: Date | null;
  released_at: Date | null;
}

async function rows(app: TestApp, saleId: number): Promise<Row[]> {
  return await app.sql<Row[]>`
    SELECT id, user_id, status, created_at, hold_expires_at, paid_at, released_at
    FROM orders WHERE sale_id = ${saleId} ORDER BY user_id, created_at`;
}

async function remaining(app: TestApp, saleId: number): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    return Number(await redis.get(saleKeys(app.prefix, saleId).stock));
  } finally {
    redis.disconnect();
  }
}

async function orderOf(app: TestApp, saleId: number, userId: string) {
  return await call(app.url, "GET", `/api/sales/${saleId}/orders/${userId}`);
}

/** Puts the shoppers' hold deadlines in the past (the test owns its database). */
async function lapse(app: TestApp, saleId: number, userIds: string[]): Promise<void> {
  await app.sql`
    UPDATE orders SET hold_expires_at = now() - interval '1 second'
    WHERE sale_id = ${saleId} AND user_id = ANY(${userIds}) AND status = 'held'`;
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function metric(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

Deno.test("a checkout sale sells 6 holds to 12 shoppers: PostgreSQL holds them until created_at + 30 s, and the API agrees", async () => {
  const app = await startTestApp(CHECKOUT_ENV);
  try {
    const saleId = await createSale(app.url, { totalStock: 6, checkout: { holdSeconds: 30 } });
    const sale = await call(app.url, "GET", `/api/sales/${saleId}`);
    assertEquals(sale.body.checkout, { holdSeconds: 30 });
    const answers = await pool(
      12,
      12,
      (i) => call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId: `h-${i}` }),
    );
    assertEquals(countBy(answers, (a) => `${a.status} ${a.body.result}`), {
      "201 SUCCESS": 6,
      "410 SOLD_OUT": 6,
    });
    const stored = await rows(app, saleId);
    assertEquals(stored.length, 6);
    for (const r of stored) {
      assertEquals(r.status, "held");
      assertEquals(r.hold_expires_at!.getTime() - r.created_at.getTime(), 30_000);
    }
    for (const a of answers.filter((a) => a.status === 201)) {
      const r = stored.find((r) => r.id === a.body.order.id)!;
      assertEquals(a.body.order.status, "held");
      assertEquals(a.body.order.holdExpiresAt, r.hold_expires_at!.toISOString());
      assertEquals("paidAt" in a.body.order, false);
      const read = await orderOf(app, saleId, r.user_id);
      assertEquals([read.body.order.status, read.body.order.holdExpiresAt], [
        "held",
        r.hold_expires_at!.toISOString(),
      ]);
    }
    // The shopper again: PostgreSQL's order as it is (held), not Redis's "confirmed".
    const again = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, {
      userId: stored[0]!.user_id,
    });
    assertEquals([again.status, again.body.order.status, again.body.order.id], [
      409,
      "held",
      stored[0]!.id,
    ]);
    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals([state.sold, state.remaining], [6, 0]);
  } finally {
    await app.close();
  }
});

Deno.test("paid holds stay paid: a signed payment pays once, a replay changes nothing, a forged or stale signature is refused", async () => {
  const app = await startTestApp(CHECKOUT_ENV);
  try {
    const saleId = await createSale(app.url, { totalStock: 3, checkout: { holdSeconds: 600 } });
    const bought = await purchase(app.url, saleId, "payer");
    const other = await purchase(app.url, saleId, "other");
    const orderId = bought.orderId!;

    const forged = await sendPayment(app.url, { id: "evt_forged", orderId }, {
      secret: "not-the-secret-0123456789",
    });
    assertEquals([forged.status, forged.body.error.code], [400, "SIGNATURE_INVALID"]);
    const stale = await sendPayment(app.url, { id: "evt_stale", orderId }, {
      atS: Math.floor(Date.now() / 1000) - 301,
    });
    assertEquals([stale.status, stale.body.error.code], [400, "SIGNATURE_INVALID"]);
    const unsigned = await sendPayment(app.url, { id: "evt_unsigned", orderId }, { header: null });
    assertEquals([unsigned.status, unsigned.body.error.code], [400, "SIGNATURE_INVALID"]);
    assertEquals((await rows(app, saleId)).map((r) => r.status), ["held", "held"]);
    assertEquals((await app.sql`SELECT 1 FROM payment_events`).length, 0, "nothing recorded");

    const failed = await sendPayment(app.url, {
      id: "evt_0",
      type: "payment.failed",
      orderId,
    });
    assertEquals([failed.status, failed.body.order.status], [200, "held"]);

    const paid = await sendPayment(app.url, { id: "evt_1", orderId });
    assertEquals([paid.status, paid.body.order.status], [200, "paid"], JSON.stringify(paid.body));
    const [first] = (await rows(app, saleId)).filter((r) => r.id === orderId);
    assertEquals(first!.status, "paid");
    assertEquals(paid.body.order.paidAt, first!.paid_at!.toISOString());

    const replay = await sendPayment(app.url, { id: "evt_1", orderId });
    assertEquals([replay.status, replay.body.order.status, replay.body.order.paidAt], [
      200,
      "paid",
      first!.paid_at!.toISOString(),
    ]);
    const another = await sendPayment(app.url, { id: "evt_2", orderId });
    assertEquals([another.status, another.body.order.status], [200, "paid"]);
    const [again] = (await rows(app, saleId)).filter((r) => r.id === orderId);
    assertEquals(again!.paid_at!.getTime(), first!.paid_at!.getTime(), "paid_at unchanged");
    const events = await app.sql<{ id: string; outcome: string }[]>`
      SELECT id, outcome FROM payment_events ORDER BY id`;
    assertEquals(events.map((e) => `${e.id} ${e.outcome}`), [
      "evt_0 failed",
      "evt_1 paid",
      "evt_2 already_paid",
    ]);

    assertEquals((await orderOf(app, saleId, "payer")).body.order.status, "paid");
    const rebuy = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId: "payer" });
    assertEquals([rebuy.status, rebuy.body.order.status], [409, "paid"]);
    const cancelPaid = await cancelHold(app.url, saleId, "payer");
    assertEquals([cancelPaid.status, cancelPaid.body.error.code, cancelPaid.body.order.status], [
      409,
      "ORDER_PAID",
      "paid",
    ]);

    const unknown = await sendPayment(app.url, { id: "evt_3", orderId: crypto.randomUUID() });
    assertEquals([unknown.status, unknown.body.error.code], [404, "ORDER_NOT_FOUND"]);
    assertEquals((await rows(app, saleId)).find((r) => r.id === other.orderId)?.status, "held");
    assertEquals(await holdBreaches(app.sql, saleId), {
      paidAndReleased: 0,
      unreleased: 0,
      paidTwice: 0,
    });
  } finally {
    await app.close();
  }
});

Deno.test("a cancelled hold sells again at once: stock back, sold-out hint cleared, the canceller may buy again", async () => {
  const app = await startTestApp(CHECKOUT_ENV);
  try {
    const saleId = await createSale(app.url, { totalStock: 2, checkout: { holdSeconds: 600 } });
    const a = await purchase(app.url, saleId, "canceller");
    await purchase(app.url, saleId, "keeper");
    // Sold out: the hint is set in this process.
    assertEquals((await purchase(app.url, saleId, "late-1")).result, "SOLD_OUT");
    assertEquals(await remaining(app, saleId), 0);

    const cancelled = await cancelHold(app.url, saleId, "canceller");
    assertEquals([cancelled.status, cancelled.body.order.status, cancelled.body.order.id], [
      200,
      "cancelled",
      a.orderId,
    ]);
    assertEquals(await remaining(app, saleId), 1, "the stock is back at once");
    const [row] = (await rows(app, saleId)).filter((r) => r.id === a.orderId);
    assertEquals(row!.status, "cancelled");
    assert(row!.released_at !== null, "its release is recorded");

    const twice = await cancelHold(app.url, saleId, "canceller");
    assertEquals([twice.status, twice.body.order.status, twice.body.order.id], [
      200,
      "cancelled",
      a.orderId,
    ]);
    assertEquals(await remaining(app, saleId), 1, "a second cancel gives nothing");
    assertEquals((await orderOf(app, saleId, "canceller")).body.order.status, "cancelled");

    // The hint is cleared: the next shopper buys the item that came back.
    const next = await purchase(app.url, saleId, "late-1");
    assertEquals(next.result, "SUCCESS");
    assertEquals(await remaining(app, saleId), 0);
    const noStock = await purchase(app.url, saleId, "canceller");
    assertEquals(noStock.result, "SOLD_OUT");
    assertEquals((await cancelHold(app.url, saleId, "keeper")).status, 200);
    const rebought = await purchase(app.url, saleId, "canceller");
    assertEquals(rebought.result, "SUCCESS");
    assert(rebought.orderId !== a.orderId, "a new order");
    assertEquals((await orderOf(app, saleId, "canceller")).body.order.id, rebought.orderId);

    const none = await cancelHold(app.url, saleId, "nobody");
    assertEquals([none.status, none.body.error.code], [404, "ORDER_NOT_FOUND"]);
    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals([state.sold, state.orders, state.remaining, state.buyers], [2, 2, 0, 2]);
    assertEquals(await breaches(app.sql, state, saleId, []), NO_BREACHES);
  } finally {
    await app.close();
  }
});

Deno.test("unpaid holds expire and their items come back exactly once, with one expiry worker across two platforms", async () => {
  const a = await startTestApp(CHECKOUT_ENV);
  const b = await startTestApp({ ...CHECKOUT_ENV, REDIS_KEY_PREFIX: a.prefix }, a.db);
  try {
    const saleId = await createSale(a.url, { totalStock: 10, checkout: { holdSeconds: 30 } });
    const bought = await pool(10, 10, (i) => purchase(i % 2 ? a.url : b.url, saleId, `e-${i}`));
    assertEquals(countBy(bought, (x) => x.result), { SUCCESS: 10 });
    const lapsed = ["e-0", "e-1", "e-2", "e-3", "e-4", "e-5"];
    await lapse(a, saleId, lapsed);

    await until("the lapsed holds to be expired and given back", async () => {
      const r = await rows(a, saleId);
      return r.filter((x) => x.status === "expired" && x.released_at !== null).length === 6;
    });
    const stored = await rows(a, saleId);
    assertEquals(countBy(stored, (r) => r.status), { expired: 6, held: 4 });
    const stats = [a.platform.holds.stats, b.platform.holds.stats];
    assertEquals(stats[0]!.expired + stats[1]!.expired, 6);
    assertEquals(stats[0]!.released + stats[1]!.released, 6, "each given back once");
    assertEquals(stats.filter((s) => s.expired > 0).length, 1, "one worker did it");
    const redis = new Redis(REDIS_URL);
    try {
      assert(
        [a.platform.expiry.token, b.platform.expiry.token].includes(
          (await redis.get(expiryLeaseKey(a.prefix)))!,
        ),
      );
    } finally {
      redis.disconnect();
    }
    assertEquals(await remaining(a, saleId), 6);
    // Another step, in either process, gives nothing more.
    await a.platform.expiry.step();
    await b.platform.holds.releaseEnded(100);
    assertEquals(await remaining(a, saleId), 6);

    const read = await orderOf(a, saleId, "e-0");
    assertEquals(read.body.order.status, "expired");
    const again = await purchase(b.url, saleId, "e-0");
    assertEquals(again.result, "SUCCESS");
    assertEquals((await orderOf(a, saleId, "e-0")).body.order.status, "held");
    const state = await waitUntilQuiet(a.sql, REDIS_URL, a.prefix, saleId);
    assertEquals([state.sold, state.remaining], [5, 5]);
    assertEquals(await breaches(a.sql, state, saleId, bought), NO_BREACHES);
  } finally {
    await b.stopServer();
    await a.close();
  }
});

Deno.test("a payment after the deadline is refused with HOLD_EXPIRED, listed in latePayments and counted in /metrics", async () => {
  const app = await startTestApp(CHECKOUT_ENV);
  try {
    const saleId = await createSale(app.url, { totalStock: 2, checkout: { holdSeconds: 30 } });
    const bought = await purchase(app.url, saleId, "slow-payer");
    await lapse(app, saleId, ["slow-payer"]);
    const late = await sendPayment(app.url, { id: "evt_late", orderId: bought.orderId! });
    assertEquals([late.status, late.body.error.code, late.body.order.status], [
      409,
      "HOLD_EXPIRED",
      "expired",
    ]);
    const replay = await sendPayment(app.url, { id: "evt_late", orderId: bought.orderId! });
    assertEquals([replay.status, replay.body.error.code], [409, "HOLD_EXPIRED"]);
    const [row] = await rows(app, saleId);
    assertEquals([row!.status, row!.paid_at], ["expired", null]);

    const stats = await call(app.url, "GET", `/api/admin/sales/${saleId}/stats`, undefined, admin);
    assertEquals(stats.body.holds, { held: 0, paid: 0, expired: 1, cancelled: 0 });
    assertEquals(stats.body.latePayments.length, 1);
    assertEquals(stats.body.latePayments[0].eventId, "evt_late");
    assertEquals(stats.body.latePayments[0].orderId, bought.orderId);
    assertEquals(stats.body.latePayments[0].userId, "slow-payer");
    assertEquals(typeof stats.body.latePayments[0].receivedAt, "string");

    const text = await (await fetch(`${app.url}/metrics`)).text();
    assertEquals(metric(text, "flashsale_late_payments_total"), 1);
    await until("the expired hold to be given back", async () => {
      return (await rows(app, saleId))[0]!.released_at !== null;
    });
    assertEquals(await remaining(app, saleId), 2);
    const after = await (await fetch(`${app.url}/metrics`)).text();
    assertEquals(metric(after, "flashsale_holds_released_total"), 1);
  } finally {
    await app.close();
  }
});

Deno.test("payments racing the expiry worker: no order is both paid and given back, and Redis agrees with PostgreSQL after", async () => {
  const app = await startTestApp(CHECKOUT_ENV);
  try {
    const n = 40;
    const saleId = await createSale(app.url, { totalStock: n, checkout: { holdSeconds: 30 } });
    const bought = await pool(n, 20, (i) => purchase(app.url, saleId, `r-${i}`));
    assertEquals(countBy(bought, (x) => x.result), { SUCCESS: n });
    // Every deadline within the next second and a half; payments spread over three seconds.
    await app.sql`
      UPDATE orders SET hold_expires_at = now() + (random() * interval '1500 milliseconds')
      WHERE sale_id = ${saleId}`;
    const answers = await pool(n, n, async (i) => {
      await new Promise((r) => setTimeout(r, Math.random() * 3000));
      return await sendPayment(app.url, { id: `evt_r${i}`, orderId: bought[i]!.orderId! });
    });
    await until("every unpaid hold to be given back", async () => {
      const r = await rows(app, saleId);
      return r.every((x) => x.status === "paid" || x.released_at !== null);
    });
    const stored = new Map((await rows(app, saleId)).map((r) => [r.id, r]));
    answers.forEach((ans, i) => {
      const r = stored.get(bought[i]!.orderId!)!;
      if (ans.status === 200) assertEquals([ans.body.order.status, r.status], ["paid", "paid"]);
      else {
        assertEquals([ans.status, ans.body.error.code, r.status], [409, "HOLD_EXPIRED", "expired"]);
      }
    });
    const paid = answers.filter((x) => x.status === 200).length;
    const state = await waitUntilQuiet(app.sql, REDIS_URL, app.prefix, saleId);
    assertEquals([state.sold, state.remaining], [paid, n - paid]);
    assertEquals(await breaches(app.sql, state, saleId, bought), NO_BREACHES);
  } finally {
    await app.close();
  }
});

Deno.test("orders of a sale without checkout take no payment and no cancel", async () => {
  const app = await startTestApp(CHECKOUT_ENV);
  try {
    const saleId = await createSale(app.url, { totalStock: 2 });
    const sale = await call(app.url, "GET", `/api/sales/${saleId}`);
    assertEquals(sale.body.checkout, null);
    const bought = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId: "u" });
    assertEquals(Object.keys(bought.body.order).sort(), [
      "createdAt",
      "id",
      "quantity",
      "saleId",
      "status",
      "userId",
    ]);
    const paid = await sendPayment(app.url, { id: "evt_nc", orderId: bought.body.order.id });
    assertEquals([paid.status, paid.body.error.code, paid.body.order.status], [
      409,
      "NO_CHECKOUT",
      "confirmed",
    ]);
    const cancelled = await cancelHold(app.url, saleId, "u");
    assertEquals([cancelled.status, cancelled.body.error.code], [409, "NO_CHECKOUT"]);
    const stats = await call(app.url, "GET", `/api/admin/sales/${saleId}/stats`, undefined, admin);
    assertEquals([stats.body.holds, stats.body.latePayments], [null, []]);
  } finally {
    await app.close();
  }
});

Deno.test("without PAYMENT_WEBHOOK_SECRET the webhook answers 503 and says to set it", async () => {
  const app = await startTestApp();
  try {
    const res = await sendPayment(app.url, { id: "evt", orderId: crypto.randomUUID() });
    assertEquals([res.status, res.body.error.code], [503, "PAYMENTS_DISABLED"]);
    assert(res.body.error.message.includes("PAYMENT_WEBHOOK_SECRET"));
  } finally {
    await app.close();
  }
});

Deno.test("a shopper whose hold ended joins the line anew, at its back; their old ticket stays used", async () => {
  const app = await startTestApp({ ...CHECKOUT_ENV, QUEUE_JOINS_PER_IP: "0" });
  try {
    const saleId = await createSale(app.url, {
      totalStock: 1,
      waitingRoom: { powBits: 0, prequeueMinutes: 0 },
      checkout: { holdSeconds: 30 },
    });
    const first = await joinLine(app.url, saleId, "lapser");
    assertEquals(first.status, 201, JSON.stringify(first.body));
    const admitted = await waitPast(app.url, saleId, first.body.ticket);
    assertEquals(admitted.body.state, "admitted");
    const bought = await buyWith(app.url, saleId, "lapser", admitted.body.admission);
    assertEquals([bought.status, bought.body.order.status], [201, "held"]);
    // Others wait behind, for the item that may come back.
    const waiting = await joinLine(app.url, saleId, "next-in-line");
    assertEquals(waiting.status, 201);
    // While the hold lasts, joining again answers the same ticket.
    const same = await joinLine(app.url, saleId, "lapser");
    assertEquals([same.status, same.body.ticket], [200, first.body.ticket]);

    assertEquals((await cancelHold(app.url, saleId, "lapser")).status, 200);
    const anew = await joinLine(app.url, saleId, "lapser");
    assertEquals(anew.status, 201, JSON.stringify(anew.body));
    assert(anew.body.ticket !== first.body.ticket, "a new ticket");
    assert(anew.body.position > waiting.body.position, "behind those who waited");
    const old = await call(app.url, "GET", `/api/sales/${saleId}/queue/${first.body.ticket}`);
    assertEquals(old.body.state, "used");
    // The item that came back goes to the next in line.
    const nextTurn = await waitPast(app.url, saleId, waiting.body.ticket);
    assertEquals(nextTurn.body.state, "admitted");
    const nextBuy = await buyWith(app.url, saleId, "next-in-line", nextTurn.body.admission);
    assertEquals([nextBuy.status, nextBuy.body.order.status], [201, "held"]);
  } finally {
    await app.close();
  }
});

Deno.test("an outbox entry left behind by an order whose hold ended is swept without writing the order again", async () => {
  const app = await startTestApp(CHECKOUT_ENV);
  try {
    const saleId = await createSale(app.url, { totalStock: 2, checkout: { holdSeconds: 600 } });
    const bought = await purchase(app.url, saleId, "gone");
    assertEquals((await cancelHold(app.url, saleId, "gone")).status, 200);
    const [row] = await rows(app, saleId);
    // The committed order's outbox trim was lost (Redis blipped, or the process died before it):
    // its entry is still there when the sweeper comes.
    const redis = new Redis(REDIS_URL);
    try {
      await redis.xadd(
        saleKeys(app.prefix, saleId).outbox,
        "*",
        "o",
        bought.orderId!,
        "u",
        "gone",
        "q",
        "1",
        "t",
        String(row!.created_at.getTime()),
      );
      await app.platform.sweeper.sweep(saleId, "+");
      assertEquals(await redis.xlen(saleKeys(app.prefix, saleId).outbox), 0);
    } finally {
      redis.disconnect();
    }
    assertEquals((await rows(app, saleId)).map((r) => r.status), ["cancelled"]);
    assertEquals(await remaining(app, saleId), 2);
  } finally {
    await app.close();
  }
});

Deno.test("checkout turned on for a live sale holds new orders only; a reconcile counts live orders and finds nothing to repair", async () => {
  const app = await startTestApp(CHECKOUT_ENV);
  try {
    const saleId = await createSale(app.url, { totalStock: 4 });
    assertEquals((await purchase(app.url, saleId, "before")).result, "SUCCESS");
    const patched = await call(app.url, "PATCH", `/api/admin/sales/${saleId}`, {
      checkout: {},
    }, admin);
    assertEquals([patched.status, patched.body.checkout], [200, { holdSeconds: 600 }]);
    const after = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId: "after" });
    assertEquals([after.status, after.body.order.status], [201, "held"]);
    const lapsing = await purchase(app.url, saleId, "lapsing");
    assertEquals(lapsing.result, "SUCCESS");
    assertEquals((await orderOf(app, saleId, "before")).body.order.status, "confirmed");
    await lapse(app, saleId, ["lapsing"]);
    await until("the lapsed hold to be given back", async () => {
      return (await rows(app, saleId)).some((r) => r.released_at !== null);
    });
    assertEquals(await remaining(app, saleId), 2);
    const reconciled = await call(
      app.url,
      "POST",
      `/api/admin/sales/${saleId}/reconcile`,
      undefined,
      admin,
    );
    assertEquals(
      [
        reconciled.body.drift.sold,
        reconciled.body.drift.stockAfter,
        reconciled.body.drift.repaired,
      ],
      [2, 2, false],
    );
    const bad = await call(app.url, "PATCH", `/api/admin/sales/${saleId}`, {
      checkout: { holdSeconds: 10 },
    }, admin);
    assertEquals([bad.status, bad.body.error.code], [400, "VALIDATION_FAILED"]);
    const off = await call(
      app.url,
      "PATCH",
      `/api/admin/sales/${saleId}`,
      { checkout: null },
      admin,
    );
    assertEquals([off.status, off.body.checkout], [200, null]);
  } finally {
    await app.close();
  }
});

Deno.test("with shopper tokens a shopper cancels only their own hold", async () => {
  const secret = "a-shopper-signing-secret-of-32-chars!";
  const app = await startTestApp({
    ...CHECKOUT_ENV,
    SHOPPER_JWT_SECRET: secret,
    SHOPPER_JWT_AUDIENCE: "flash-sale",
  });
  const bearer = async (sub: string) => ({
    authorization: `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: "HS256" })
      .setSubject(sub).setAudience("flash-sale").setExpirationTime("10m")
      .sign(new TextEncoder().encode(secret))}`,
  });
  try {
    const saleId = await createSale(app.url, { totalStock: 2, checkout: { holdSeconds: 600 } });
    const path = `/api/sales/${saleId}/orders/alice/cancel`;
    const bought = await call(
      app.url,
      "POST",
      `/api/sales/${saleId}/purchase`,
      {},
      await bearer("alice"),
    );
    assertEquals([bought.status, bought.body.order.status], [201, "held"]);
    const anonymous = await call(app.url, "POST", path);
    assertEquals([anonymous.status, anonymous.body.error.code], [401, "SHOPPER_UNAUTHORIZED"]);
    const theirs = await call(app.url, "POST", path, undefined, await bearer("bob"));
    assertEquals([theirs.status, theirs.body.error.code], [403, "FORBIDDEN_SHOPPER"]);
    assertEquals((await rows(app, saleId)).map((r) => r.status), ["held"]);
    const mine = await call(app.url, "POST", path, undefined, await bearer("alice"));
    assertEquals([mine.status, mine.body.order.status], [200, "cancelled"]);
  } finally {
    await app.close();
  }
});
