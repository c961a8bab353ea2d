import { uuidv7 } from "uuidv7";
import type { Metrics } from "../infra/metrics.ts";
import type { Gate } from "../gate/gate.ts";
import type { Shopper } from "../identity/identity.ts";
import { type Order, pendingOrder, type ReservedOrder } from "../domain/order.ts";
import type { OrderRepository } from "../orders/repository.ts";
import type { Reconciler } from "../recovery/reconciler.ts";
import type { OrderWriter } from "../orders/writer.ts";
import type { SaleCache } from "./cache.ts";
import type { StockSnapshot } from "./stock.ts";
import type { WaitingLine } from "../line/line.ts";
import { OUTCOMES, type PurchaseOutcome } from "../domain/outcome.ts";
import { type Sale, saleStatus } from "../domain/sale.ts";

export class PurchaseService {
  /** Sales whose buyers are being read for the sold-out hint: one read per sale at a time. */
  private readonly snapshots = new Set<number>();

  constructor(
    private readonly cache: SaleCache,
    private readonly gate: Gate,
    private readonly writer: OrderWriter,
    private readonly reconciler: Reconciler,
    private readonly metrics: Metrics,
    private readonly stock: StockSnapshot,
    private readonly line: WaitingLine,
    private readonly orders: OrderRepository,
  ) {}

  /**
   * True (and counted) when the local hint says the sale is sold out and the shopper is none of
   * its buyers: the API then answers with its pre-serialised refusal. Only ever a refusal, and
   * only while stock is 0; a buyer goes on to Redis, which names their order.
   */
  refusedAsSoldOut(saleId: number, shopper: Shopper): boolean {
    if (!this.cache.isSoldOutFor(saleId, shopper.id)) return false;
    this.metrics.recordPurchase(saleId, "SOLD_OUT", 0);
    return true;
  }

  /**
   * Decides one attempt and counts its outcome under its metric label (lib/domain/outcome.ts).
   * `admission` is the waiting room's (docs/waiting-room.md); purchase.lua consumes it.
   */
  async purchase(
    saleId: number,
    shopper: Shopper,
    quantity: number,
    admission?: string,
  ): Promise<PurchaseOutcome> {
    const started = performance.now();
    const outcome = await this.decide(saleId, shopper.id, quantity, shopper.clientIp, admission);
    this.metrics.recordPurchase(
      saleId,
      OUTCOMES[outcome.result].metric,
      performance.now() - started,
    );
    return outcome;
  }

  private async decide(
    saleId: number,
    userId: string,
    quantity: number,
    clientIp: string,
    admission: string | undefined,
  ): Promise<PurchaseOutcome> {
    const cached = this.cache.get(saleId);
    const sale = cached ?? await this.cache.find(saleId);
    if (!sale) return { result: "SALE_NOT_FOUND" };
    if (quantity > sale.perUserLimit) {
      return { result: "QUANTITY_OVER_LIMIT", limit: sale.perUserLimit };
    }
    // A sale no longer held in memory ended over an hour ago and its Redis state may be gone: no
    // clock skew can change that answer, so the gate is not asked.
    if (!cached && saleStatus(sale, Date.now()) === "ENDED") {
      return { result: "SALE_NOT_ACTIVE", status: "ENDED" };
    }
    if (this.cache.isSoldOutFor(saleId, userId)) return { result: "SOLD_OUT", remainingStock: 0 };
    // Checked without Redis unless the secret changed; purchase.lua then checks that it is
    // admitted now, and consumes it.
    // Redis also knows whether the sale has a waiting room, so a stale cache lets nobody by.
    let ticket = "";
    if (admission !== undefined) {
      const verified = await this.line.verifyAdmission(saleId, userId, admission);
      if (!verified) return { result: "ADMISSION_INVALID" };
      ticket = verified.ticket;
    } else if (sale.waitingRoom) {
      return { result: "ADMISSION_REQUIRED" };
    }

    const epoch = this.cache.soldOutEpoch(saleId);
    const orderId = uuidv7();
    const sentAt = performance.now();
    const r = await this.gate.reserve(saleId, userId, orderId, quantity, clientIp, ticket);
    // Redis told the stock left: the snapshot of status reads takes it for free.
    if (r.code === "RESERVED" || r.code === "SOLD_OUT") {
      this.stock.observed(saleId, r.remaining, sentAt);
    }
    switch (r.code) {
      case "RESERVED":
        // Stock was there: a hint set meanwhile is already wrong (its notice is on its way).
        this.cache.clearSoldOut(saleId);
        return await this.commit(sale, {
          id: orderId,
          saleId,
          userId,
          quantity,
          createdAtMs: r.createdAtMs,
          outboxId: r.outboxId,
        }, r.remaining);
      case "ALREADY_PURCHASED": {
        const order: Order = {
          id: r.buyer.orderId,
          saleId,
          userId,
          quantity: r.buyer.quantity,
          // Said as it is: an order still on its way to PostgreSQL is pending, not confirmed.
          status: r.pending ? "pending" : "confirmed",
          createdAt: new Date(r.buyer.createdAtMs),
        };
        if (!sale.checkout) return { result: "ALREADY_PURCHASED", order };
        return { result: "ALREADY_PURCHASED", order: await this.heldOrder(sale, order, r.pending) };
      }
      case "SOLD_OUT":
        // Only an empty stock marks the sale sold out here: a request for 3 when 1 is left is
        // refused, but the last item must still sell.
        if (r.remaining === 0) await this.snapshotSoldOut(saleId, epoch);
        else this.cache.clearSoldOut(saleId);
        return { result: "SOLD_OUT", remainingStock: r.remaining };
      case "NOT_STARTED":
        return { result: "SALE_NOT_ACTIVE", status: "UPCOMING" };
      case "ENDED":
        return { result: "SALE_NOT_ACTIVE", status: "ENDED" };
      case "QUANTITY_OVER_LIMIT":
        return { result: "QUANTITY_OVER_LIMIT", limit: r.limit };
      case "SALE_REBUILDING":
        this.reconciler.ensure(saleId);
        return { result: "SALE_REBUILDING" };
      case "RATE_LIMITED":
        return { result: "RATE_LIMITED", retryAfterMs: r.retryAfterMs };
      case "ADMISSION_REQUIRED":
        return { result: "ADMISSION_REQUIRED" };
      case "ADMISSION_INVALID":
        return { result: "ADMISSION_INVALID" };
    }
  }

  /**
   * Sets the sold-out hint with a snapshot of the sale's buyers, read after Redis said 0 left: the
   * set is complete then, so the hint refuses only shoppers without an order. `epoch` was read
   * before that answer; a change heard since makes the snapshot stale, and it is dropped. The
   * answer at hand is already decided: a failed snapshot only leaves the hint unset.
   */
  private async snapshotSoldOut(saleId: number, epoch: number): Promise<void> {
    if (this.snapshots.has(saleId) || this.cache.hasSoldOutHint(saleId)) return;
    this.snapshots.add(saleId);
    try {
      const buyers = await this.gate.soldOutBuyers(saleId);
      if (buyers) this.cache.markSoldOut(saleId, buyers, epoch);
    } catch {
      // Redis away: the next sold-out answer tries again.
    } finally {
      this.snapshots.delete(saleId);
    }
  }

  /**
   * A checkout sale's buyer, as PostgreSQL holds their order now: Redis does not know whether a
   * hold was paid. Asked on this refusal only, never on a purchase that wins or finds no stock;
   * with PostgreSQL away (or the order not there yet), Redis's record, held until its deadline.
   */
  private async heldOrder(sale: Sale, redis: Order, pending: boolean): Promise<Order> {
    if (!pending) {
      const stored = await this.orders.byOrderId(redis.id).catch(() => null);
      if (stored) return stored;
    }
    const order = pendingOrder(
      { ...redis, createdAtMs: redis.createdAt.getTime() },
      sale.checkout?.holdSeconds ?? null,
    );
    return pending ? order : { ...order, status: "held" };
  }

  private async commit(
    sale: Sale,
    reserved: ReservedOrder,
    remaining: number,
  ): Promise<PurchaseOutcome> {
    const order = pendingOrder(reserved, sale.checkout?.holdSeconds ?? null);
    // A write that fails or outlasts COMMIT_TIMEOUT_MS leaves the reservation in the outbox, where
    // the sweeper commits it later: the shopper is told "pending", never "sold out".
    const settled = await this.writer.write(reserved).catch(() => "FAILED" as const);
    if (settled === "TIMEOUT" || settled === "FAILED") {
      return { result: "PENDING", order, remainingStock: remaining };
    }
    if (settled.kind === "VOIDED") return { result: "VOIDED" }; // the sale was reset meanwhile
    if (settled.kind === "CONFLICT") {
      return { result: "ALREADY_PURCHASED", order: settled.existing };
    }
    return { result: "SUCCESS", order: settled.order, remainingStock: remaining };
  }
}
