import type { Sql } from "../infra/db.ts";
import { arrayReply, loadScript, type RedisClient, type Script } from "../infra/redis/client.ts";
import { loadQueries } from "../infra/sql.ts";
import { AppError } from "../domain/errors.ts";
import { type Order, orderFromRow, type OrderRow } from "../domain/order.ts";
import type { Shopper } from "../identity/identity.ts";
import type { Gate } from "../gate/gate.ts";
import type { OrderRepository } from "../orders/repository.ts";
import { verifyPayment } from "./signature.ts";

const Q = await loadQueries(
  new URL("./checkout.sql", import.meta.url),
  [
    "recordEvent",
    "settleEvent",
    "pay",
    "expireOne",
    "byId",
    "cancel",
    "expireDue",
    "unreleased",
    "markReleased",
    "holdCounts",
    "latePayments",
  ] as const,
);

/** Late payments listed by the admin stats at most. */
const LATE_LISTED = 1000;

/** A payment event as the webhook's body gives it. */
export interface PaymentEvent {
  id: string;
  type: "payment.succeeded" | "payment.failed";
  orderId: string;
}

/** What the payment webhook answers: 200 with the order (no code), a 409 with it, or a 404. */
export type PaymentAnswer =
  | { code: null; order: Order }
  | { code: "HOLD_EXPIRED" | "NO_CHECKOUT"; order: Order }
  | { code: "ORDER_NOT_FOUND" };

/** What a cancel answers: 200 with the cancelled order, a 409 with the order as it is, or none. */
export type CancelAnswer =
  | { code: null; order: Order }
  | { code: "ORDER_PAID" | "HOLD_EXPIRED" | "NO_CHECKOUT"; order: Order }
  | { code: "ORDER_PENDING" | "ORDER_NOT_FOUND" };

type EventOutcome = "paid" | "already_paid" | "failed" | "late" | "not_held" | "unknown_order";

export interface HoldCounts {
  held: number;
  paid: number;
  expired: number;
  cancelled: number;
}

export interface LatePayment {
  eventId: string;
  orderId: string;
  userId: string | null;
  receivedAt: string;
}

/** An ended hold whose stock is to go back. */
interface Ended {
  id: string;
  saleId: number;
  userId: string;
  quantity: number;
}

/**
 * Checkout holds (DESIGN §9): payments, cancels, and giving the stock of ended holds back. Each
 * change of an order is one statement that applies only to a row still `held`, so PostgreSQL
 * decides every race; the stock of an ended hold goes back through release_hold.lua, which gives
 * it only while Redis's buyer entry names that very order, so a repeat gives nothing (I7), and
 * only into state this Redis run built and no rebuild is writing, so a rebuild that counted the
 * hold live cannot write it back afterwards.
 */
export class Holds {
  /** Counted in this process since it started (GET /metrics sums every process's). */
  readonly stats = { paid: 0, late: 0, cancelled: 0, expired: 0, released: 0 };

  private constructor(
    private readonly sql: Sql,
    private readonly redis: RedisClient,
    private readonly releaseHold: Script,
    private readonly orders: OrderRepository,
    private readonly gate: Gate,
    /** Clears the sale's sold-out hints in every process (the settle path's notify). */
    private readonly onStockReturned: (saleId: number) => void,
    /** Rebuilds a sale whose Redis state is missing or stale (the reconciler's `ensure`). */
    private readonly onRebuildNeeded: (saleId: number) => void,
    private readonly webhookSecret: string | undefined,
  ) {}

  static async load(
    sql: Sql,
    redis: RedisClient,
    orders: OrderRepository,
    gate: Gate,
    onStockReturned: (saleId: number) => void,
    onRebuildNeeded: (saleId: number) => void,
    webhookSecret: string | undefined,
  ): Promise<Holds> {
    const releaseHold = await loadScript(new URL("./release_hold.lua", import.meta.url));
    return new Holds(
      sql,
      redis,
      releaseHold,
      orders,
      gate,
      onStockReturned,
      onRebuildNeeded,
      webhookSecret,
    );
  }

  /**
   * Checks a webhook delivery's signature over its raw body: PAYMENTS_DISABLED without a secret,
   * SIGNATURE_INVALID for a missing, wrong or stale one.
   */
  async verify(header: string | null, rawBody: string): Promise<void> {
    if (!this.webhookSecret) throw new AppError("PAYMENTS_DISABLED");
    if (!(await verifyPayment(this.webhookSecret, header, rawBody))) {
      throw new AppError("SIGNATURE_INVALID");
    }
  }

  /**
   * Applies a verified payment event, once per event id, in one transaction with its record. A
   * redelivery changes nothing and is answered from the order as it is now.
   */
  async pay(event: PaymentEvent): Promise<PaymentAnswer> {
    const { answer, outcome } = await this.sql.begin(async (tx) => {
      const fresh = (await tx.unsafe(Q.recordEvent, [event.id, event.orderId, event.type]))
        .length === 1;
      let paid = false;
      if (fresh && event.type === "payment.succeeded") {
        paid = (await tx.unsafe(Q.pay, [event.orderId])).length === 1;
      }
      // A hold past its deadline that the worker has not ended yet ends now: the answer says so.
      if (!paid) await tx.unsafe(Q.expireOne, [event.orderId]);
      const [row] = await tx.unsafe<OrderRow[]>(Q.byId, [event.orderId]);
      const order = row ? orderFromRow(row) : null;
      const decided = decide(event, order, paid);
      if (fresh) {
        await tx.unsafe(Q.settleEvent, [
          event.id,
          decided.outcome,
          order?.saleId ?? null,
          order?.userId ?? null,
        ]);
      }
      return { ...decided, outcome: fresh ? decided.outcome : null };
    });
    if (outcome === "paid") this.stats.paid++;
    if (outcome === "late") this.stats.late++;
    return answer;
  }

  /**
   * Cancels the shopper's hold and gives its stock back at once (with Redis away or the sale being
   * rebuilt, the expiry worker gives it later). Cancelling again answers the same cancelled order.
   */
  async cancel(saleId: number, shopper: Shopper): Promise<CancelAnswer> {
    const [row] = await this.sql.unsafe<OrderRow[]>(Q.cancel, [saleId, shopper.id]);
    if (row) {
      const order = orderFromRow(row);
      this.stats.cancelled++;
      await this.release([order]).catch(() => {});
      return { code: null, order };
    }
    const order = await this.orders.byShopper(saleId, shopper);
    if (!order) {
      const reserved = await this.gate.readBuyer(saleId, shopper.id).catch(() => null);
      return { code: reserved?.pending ? "ORDER_PENDING" : "ORDER_NOT_FOUND" };
    }
    switch (order.status) {
      case "cancelled":
        return { code: null, order };
      case "paid":
        return { code: "ORDER_PAID", order };
      case "confirmed":
        return { code: "NO_CHECKOUT", order };
      default:
        // Expired, or held past its deadline by now: it is the worker's to end.
        return { code: "HOLD_EXPIRED", order };
    }
  }

  /** An order by its id, as PostgreSQL holds it (the test checkout's page). */
  async order(orderId: string): Promise<Order | null> {
    const [row] = await this.sql.unsafe<OrderRow[]>(Q.byId, [orderId]);
    return row ? orderFromRow(row) : null;
  }

  /** Ends holds past their deadline, at most `limit`; how many ended. */
  async expireDue(limit: number): Promise<number> {
    const ended = (await this.sql.unsafe(Q.expireDue, [limit])).length;
    this.stats.expired += ended;
    return ended;
  }

  /**
   * Gives back the stock of ended holds not yet given back, at most `limit`; how many it settled
   * (gave back, or found nothing to give). A crash anywhere in between is repaired by the next
   * call, in any process: release_hold.lua gives only while the buyer entry names the order, and
   * `released_at` is set after it. A hold of a sale whose state is being rebuilt (or is missing, or
   * stale) stays unsettled, and the next call tries it again once the sale is rebuilt.
   */
  async releaseEnded(limit: number): Promise<number> {
    const rows = await this.sql.unsafe<
      { id: string; sale_id: string; user_id: string; quantity: number }[]
    >(Q.unreleased, [limit]);
    return await this.release(rows.map((r) => ({
      id: r.id,
      saleId: Number(r.sale_id),
      userId: r.user_id,
      quantity: r.quantity,
    })));
  }

  /** Gives ended holds back; how many are settled (`released_at` set). */
  private async release(holds: Ended[]): Promise<number> {
    if (holds.length === 0) return 0;
    const returned = new Set<number>();
    const rebuild = new Set<number>();
    const done: string[] = [];
    await Promise.all(holds.map(async (hold) => {
      const outcome = await this.giveBack(hold);
      if (outcome === "retry") {
        rebuild.add(hold.saleId);
        return;
      }
      if (outcome === "released") {
        this.stats.released++;
        returned.add(hold.saleId);
      }
      done.push(hold.id);
    }));
    if (done.length > 0) await this.sql.unsafe(Q.markReleased, [done] as never);
    for (const saleId of returned) this.onStockReturned(saleId);
    for (const saleId of rebuild) this.onRebuildNeeded(saleId);
    return done.length;
  }

  private async giveBack(hold: Ended): Promise<"released" | "absent" | "retry"> {
    const k = this.gate.keys(hold.saleId);
    const r = arrayReply(
      await this.redis.evalScript(this.releaseHold, [k.meta, k.stock, k.buyers], [
        hold.userId,
        hold.id,
        hold.quantity,
      ]),
    );
    return r[0] === 1 ? "released" : r[0] === 0 ? "absent" : "retry";
  }

  /** A checkout sale's orders by status, and the payments that came late (admin stats). */
  async ofSale(saleId: number): Promise<{ holds: HoldCounts; latePayments: LatePayment[] }> {
    const [[counts], late] = await Promise.all([
      this.sql.unsafe<HoldCounts[]>(Q.holdCounts, [saleId]),
      this.sql.unsafe<
        { event_id: string; order_id: string; user_id: string | null; received_at: Date }[]
      >(Q.latePayments, [saleId, LATE_LISTED]),
    ]);
    return {
      holds: counts ?? { held: 0, paid: 0, expired: 0, cancelled: 0 },
      latePayments: late.map((r) => ({
        eventId: r.event_id,
        orderId: r.order_id,
        userId: r.user_id,
        receivedAt: r.received_at.toISOString(),
      })),
    };
  }
}

/** The answer to a payment event, and what its record says of it. */
function decide(
  event: PaymentEvent,
  order: Order | null,
  paid: boolean,
): { answer: PaymentAnswer; outcome: EventOutcome } {
  if (!order) return { answer: { code: "ORDER_NOT_FOUND" }, outcome: "unknown_order" };
  if (order.status === "confirmed") {
    return { answer: { code: "NO_CHECKOUT", order }, outcome: "not_held" };
  }
  if (event.type === "payment.failed") return { answer: { code: null, order }, outcome: "failed" };
  // Still held only when this event was received before and not applied (its record says what
  // it did then, and is left as it is).
  if (order.status === "held") return { answer: { code: null, order }, outcome: "failed" };
  if (order.status === "paid") {
    return { answer: { code: null, order }, outcome: paid ? "paid" : "already_paid" };
  }
  // Expired or cancelled (a held one past its deadline was just ended): a refund is owed.
  return { answer: { code: "HOLD_EXPIRED", order }, outcome: "late" };
}
