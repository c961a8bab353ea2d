import type { Gate } from "../gate/gate.ts";
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

  private async view(sale: Sale): Promise<SaleView> {
    const stock = await this.gate.readStock(sale.id);
    if (stock !== null) return { sale, remainingStock: stock };
    // Redis lost the sale: PostgreSQL's count is the answer until the rebuild is done.
    const { sold } = await this.orders.counts(sale.id);
    return { sale, remainingStock: Math.max(0, sale.totalStock - sold) };
  }
}
