import type { Gate } from "../gate/gate.ts";
import type { Shopper } from "../identity.ts";
import type { Order } from "../orders/order.ts";
import type { OrderRepository } from "../orders/repository.ts";
import type { SaleCache } from "./cache.ts";
import type { Sale } from "./sale.ts";

export interface SaleView {
  sale: Sale;
  remainingStock: number;
}

/** Reads for shoppers: sales from the in-process cache, remaining stock from Redis. */
export class Catalog {
  constructor(
    private readonly cache: SaleCache,
    private readonly gate: Gate,
    private readonly orders: OrderRepository,
  ) {}

  async list(): Promise<SaleView[]> {
    const sales = this.cache.all().sort((a, b) => a.id - b.id);
    return await Promise.all(sales.map((sale) => this.view(sale)));
  }

  async get(id: number): Promise<SaleView | null> {
    const sale = this.cache.get(id);
    return sale ? await this.view(sale) : null;
  }

  /**
   * The shopper's order: PostgreSQL's row, or else their reservation still on its way there
   * (pending while its outbox entry is in Redis, as ALREADY_PURCHASED says it). Redis is asked
   * only when PostgreSQL has no row, and PostgreSQL again when the entry has left the outbox
   * meanwhile: the order was committed in between (or voided, and then there is none).
   */
  async order(saleId: number, shopper: Shopper): Promise<Order | null> {
    const stored = await this.orders.byShopper(saleId, shopper);
    if (stored) return stored;
    const held = await this.gate.readBuyer(saleId, shopper.id);
    if (!held) return null;
    if (!held.pending) return await this.orders.byShopper(saleId, shopper);
    return {
      id: held.buyer.orderId,
      saleId,
      userId: shopper.id,
      quantity: held.buyer.quantity,
      status: "pending",
      createdAt: new Date(held.buyer.createdAtMs),
    };
  }

  private async view(sale: Sale): Promise<SaleView> {
    const stock = await this.gate.readStock(sale.id);
    if (stock !== null) return { sale, remainingStock: stock };
    // Redis lost the sale: PostgreSQL's count is the answer until the rebuild is done.
    const { sold } = await this.orders.counts(sale.id);
    return { sale, remainingStock: Math.max(0, sale.totalStock - sold) };
  }
}
