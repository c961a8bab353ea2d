import { AppError } from "../domain/errors.ts";
import type { Gate } from "../gate/gate.ts";
import type { Drift } from "../domain/drift.ts";
import { RebuildingElsewhere, type Reconciler } from "../recovery/reconciler.ts";
import type { OrderRepository } from "../orders/repository.ts";
import type { SaleCache } from "./cache.ts";
import type { WaitingLine } from "../line/line.ts";
import type { SaleChanges, SaleRepository } from "./repository.ts";
import type { Metrics } from "../infra/metrics.ts";
import type { Holds } from "../checkout/holds.ts";
import { type NewSale, type Sale, settingsOf } from "../domain/sale.ts";

/** The shop admin's use cases: each keeps PostgreSQL, Redis and every process's cache in step. */
export class SaleAdmin {
  constructor(
    private readonly sales: SaleRepository,
    private readonly orders: OrderRepository,
    private readonly gate: Gate,
    private readonly cache: SaleCache,
    private readonly reconciler: Reconciler,
    private readonly line: WaitingLine,
    private readonly metrics: Metrics,
    private readonly holds: Holds,
  ) {}

  async create(input: NewSale): Promise<Sale> {
    if (input.endTime <= input.startTime) {
      throw new AppError("VALIDATION_FAILED", "endTime must be after startTime.");
    }
    const sale = await this.sales.insert(input);
    // The sale exists from here on: an error now would have the admin create it a second time.
    // Without Redis its live state is built by the first purchase that finds it missing
    // (purchase.lua answers SALE_REBUILDING), and the other processes read it on their next refresh.
    await this.reconciler.reconcile(sale.id).catch(() => {});
    await this.cache.changed(sale).catch(() => {});
    return sale;
  }

  /** Applies changes in one transaction that commits only if the live Redis state accepts them. */
  async update(id: number, changes: SaleChanges): Promise<Sale> {
    let rebuild = false;
    const sale = await this.sales.update(id, changes, async (_before, after, sold) => {
      const r = await this.gate.configure(id, settingsOf(after));
      // With no live state to ask, PostgreSQL's orders are what is reserved at least.
      const reserved = r.code === "BELOW_RESERVED"
        ? r.reserved
        : r.code === "SALE_REBUILDING"
        ? await sold()
        : 0;
      if (after.totalStock < reserved) {
        throw new AppError(
          "STOCK_BELOW_RESERVED",
          `totalStock must be at least ${reserved}, the items already sold or reserved.`,
        );
      }
      rebuild = r.code === "SALE_REBUILDING";
    });
    if (!sale) throw new AppError("SALE_NOT_FOUND");
    if (rebuild) {
      // A rebuild running elsewhere reads the sale again before it reopens (configure.lua).
      await this.reconciler.settingsChanged(id).catch((error) => {
        if (!(error instanceof RebuildingElsewhere)) throw error;
      });
    }
    await this.cache.changed(sale);
    return sale;
  }

  /**
   * Clears the sale's orders and starts its stock again, at `totalStock` if given. All or nothing:
   * the new total commits with the orders' deletion, inside the reset's fenced transaction.
   */
  async reset(id: number, totalStock?: number): Promise<Drift> {
    if (!(await this.sales.get(id))) throw new AppError("SALE_NOT_FOUND");
    const drift = await this.reconciler.reset(id, totalStock ?? null);
    // The line starts again too: its used tickets named orders that are gone. So do the counts of
    // the stats routes (the original platform's cleared with its orders table).
    await this.line.clear(id);
    await this.metrics.restartOutcomes(id);
    const fresh = await this.sales.get(id);
    if (fresh) await this.cache.changed(fresh);
    return drift;
  }

  async reconcile(id: number): Promise<Drift> {
    if (!this.cache.get(id) && !(await this.sales.get(id))) throw new AppError("SALE_NOT_FOUND");
    return await this.reconciler.reconcile(id);
  }

  async stats(id: number) {
    const sale = this.cache.get(id) ?? await this.sales.get(id);
    if (!sale) throw new AppError("SALE_NOT_FOUND");
    const [counts, remaining, queue, checkout] = await Promise.all([
      this.orders.counts(id),
      this.gate.readStock(id),
      sale.waitingRoom ? this.line.stats(id) : null,
      sale.checkout ? this.holds.ofSale(id) : null,
    ]);
    return {
      sale,
      ...counts,
      remaining,
      queue,
      holds: checkout?.holds ?? null,
      latePayments: checkout?.latePayments ?? [],
    };
  }
}
