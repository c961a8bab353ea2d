import type { Gate } from "../gate/gate.ts";
import type { Shopper } from "../identity/identity.ts";
import { LIVE_STATUSES, type Order, pendingOrder } from "../domain/order.ts";
import type { OrderRepository } from "../orders/repository.ts";
import type { SaleCache } from "./cache.ts";
import type { Sale, SaleStatus } from "../domain/sale.ts";
import type { SaleRepository } from "./repository.ts";
import type { StockSnapshot } from "./stock.ts";

export interface SaleView {
  sale: Sale;
  remainingStock: number;
}

/**
 * Reads for shoppers: sales from the in-process cache, remaining stock from the in-process
 * snapshot (at most 100 ms old, lib/sales/stock.ts), so a status read or a page costs no Redis call.
 */
export class Catalog {
  constructor(
    private readonly cache: SaleCache,
    private readonly gate: Gate,
    private readonly orders: OrderRepository,
    private readonly stock: StockSnapshot,
    private readonly sales: SaleRepository,
  ) {}

  /** The sales held in memory (open, coming, recently ended), by id. */
  async list(): Promise<SaleView[]> {
    const sales = this.cache.all().sort((a, b) => a.id - b.id);
    const stocks = await this.stock.readMany(sales.map((s) => s.id));
    return await Promise.all(sales.map((sale, i) => this.view(sale, stocks[i] ?? null)));
  }

  /**
   * Up to `limit` sales below id `before` (null: from the newest), newest first, from PostgreSQL;
   * `next` is the id to continue below, null on the last page.
   */
  async page(
    before: number | null,
    status: SaleStatus | null,
    now: number,
    limit: number,
  ): Promise<{ views: SaleView[]; next: number | null }> {
    const rows = await this.sales.page(before, status, new Date(now), limit + 1);
    const shown = rows.slice(0, limit);
    const stocks = await this.stock.readMany(shown.map((r) => r.sale.id));
    // A past sale may have no Redis state left: the page brought its count along.
    const views = shown.map(({ sale, sold }, i) => ({
      sale,
      remainingStock: stocks[i] ?? Math.max(0, sale.totalStock - sold),
    }));
    return { views, next: rows.length > limit ? shown[shown.length - 1]!.sale.id : null };
  }

  /**
   * The sale's metadata, the cheap "does it exist" of a route: no I/O for sales held in memory, a
   * bounded read for past ones.
   */
  async find(id: number): Promise<Sale | undefined> {
    return await this.cache.find(id);
  }

  /**
   * Items left in Redis, read now (for the admin's answers); null while the sale has no Redis state
   * (lost, or being rebuilt).
   */
  async remaining(id: number): Promise<number | null> {
    return await this.gate.readStock(id);
  }

  /** How many shoppers hold an order in Redis (committed or on their way to PostgreSQL). */
  async buyerCount(id: number): Promise<number> {
    return await this.gate.countBuyers(id);
  }

  /** Each sale's outbox length (reservations not yet known to be in PostgreSQL), by sale id. */
  async outboxLengths(): Promise<Map<number, number>> {
    const ids = this.cache.ids();
    return new Map(
      await Promise.all(ids.map(async (id) => [id, await this.gate.outboxLength(id)] as const)),
    );
  }

  async get(id: number): Promise<SaleView | null> {
    const sale = await this.cache.find(id);
    return sale ? await this.view(sale, await this.stock.read(id)) : null;
  }

  /**
   * The shopper's order: PostgreSQL's row (the live one, or else the latest ended: an expired hold
   * reads as expired), or else their reservation still on its way there
   * (pending while its outbox entry is in Redis, as ALREADY_PURCHASED says it). Redis is asked
   * only when PostgreSQL has no row, and PostgreSQL again when the entry has left the outbox
   * meanwhile: the order was committed in between (or voided, and then there is none).
   */
  async order(saleId: number, shopper: Shopper): Promise<Order | null> {
    const stored = await this.orders.byShopper(saleId, shopper);
    if (stored && LIVE_STATUSES.includes(stored.status)) return stored;
    // None, or an ended hold: a new order may be on its way.
    const held = await this.gate.readBuyer(saleId, shopper.id);
    if (!held) return stored;
    if (!held.pending) return await this.orders.byShopper(saleId, shopper);
    const sale = await this.cache.find(saleId);
    return pendingOrder({
      id: held.buyer.orderId,
      saleId,
      userId: shopper.id,
      quantity: held.buyer.quantity,
      createdAtMs: held.buyer.createdAtMs,
    }, sale?.checkout?.holdSeconds ?? null);
  }

  private async view(sale: Sale, stock: number | null): Promise<SaleView> {
    if (stock !== null) return { sale, remainingStock: stock };
    // Redis lost the sale: PostgreSQL's count is the answer until the rebuild is done.
    const { sold } = await this.orders.counts(sale.id);
    return { sale, remainingStock: Math.max(0, sale.totalStock - sold) };
  }
}
