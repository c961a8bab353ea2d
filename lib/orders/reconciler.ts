import { AppError } from "../errors.ts";
import type { BuyerRecord, Gate, HoldSnapshot } from "../gate/gate.ts";
import type { Sale } from "../sales/sale.ts";
import { settingsOf } from "../sales/sale.ts";
import type { OrderRepository } from "./repository.ts";
import type { OutboxSweeper } from "./sweeper.ts";

const LOCK_MS = 30_000;
const CHUNK = 1000;

/** What a rebuild found in Redis and what it set, for the admin and the logs. */
export interface Drift {
  saleId: number;
  keysMissing: boolean;
  outboxDrained: number;
  stockBefore: number | null;
  stockAfter: number;
  buyersBefore: number;
  buyersAfter: number;
  sold: number;
  repaired: boolean;
}

/**
 * Rebuilds a sale's Redis state from PostgreSQL (DESIGN §2). The order is what keeps it safe:
 * stop purchases (hold.lua), drain the outbox into PostgreSQL, and only then count PostgreSQL.
 * Counting first would hand out again the items of reservations not yet written: an oversell.
 */
export class Reconciler {
  private readonly running = new Map<number, Promise<Drift>>();
  /** Rebuilds done, those that changed Redis, and the stock they moved (sum of |before − after|). */
  readonly stats = { runs: 0, repaired: 0, stockDrift: 0 };

  constructor(
    private readonly gate: Gate,
    private readonly orders: OrderRepository,
    private readonly sweeper: OutboxSweeper,
    private readonly loadSale: (id: number) => Promise<Sale | null>,
    private readonly onRebuilt: (saleId: number) => void,
  ) {}

  /** Drains the outbox, then rebuilds stock and buyers from PostgreSQL. One at a time per sale. */
  reconcile(saleId: number): Promise<Drift> {
    return this.once(
      saleId,
      (sale, snapshot, token) => this.drainAndRebuild(sale, snapshot, token),
    );
  }

  /**
   * Clears a sale: its orders and pending reservations go, and stock starts again from the total.
   * Reservations made before the hold are void from here on, so a write still in flight from before
   * cannot land after the count. (Purchases stay refused until the rebuild, which takes longer than
   * the millisecond that stamps them, so every later reservation is stamped after the hold.)
   */
  reset(saleId: number): Promise<Drift> {
    return this.once(saleId, async (sale, snapshot, token) => {
      await this.orders.clearSale(saleId, snapshot.heldAtMs);
      await this.gate.clearOutbox(saleId);
      return await this.rebuild(sale, snapshot, token, 0);
    });
  }

  /** Starts a reconcile in the background unless one is already running here. */
  ensure(saleId: number): void {
    if (this.running.has(saleId)) return;
    this.reconcile(saleId).catch(
      () => {/* purchases keep answering "retry"; next one tries again */},
    );
  }

  private once(
    saleId: number,
    work: (sale: Sale, snapshot: HoldSnapshot, token: string) => Promise<Drift>,
  ): Promise<Drift> {
    const current = this.running.get(saleId);
    if (current) return current;
    const job = this.holdAndRun(saleId, work).finally(() => this.running.delete(saleId));
    this.running.set(saleId, job);
    return job;
  }

  private async holdAndRun(
    saleId: number,
    work: (sale: Sale, snapshot: HoldSnapshot, token: string) => Promise<Drift>,
  ): Promise<Drift> {
    const sale = await this.loadSale(saleId);
    if (!sale) throw new Error(`sale ${saleId} does not exist`);
    const token = crypto.randomUUID();
    const snapshot = await this.gate.hold(saleId, token, LOCK_MS);
    if (!snapshot) {
      throw new AppError("SALE_REBUILDING", `Sale ${saleId} is being rebuilt by another process.`);
    }
    try {
      const drift = await work(sale, snapshot, token);
      this.stats.runs++;
      if (drift.repaired) this.stats.repaired++;
      this.stats.stockDrift += Math.abs((drift.stockBefore ?? 0) - drift.stockAfter);
      this.onRebuilt(saleId);
      return drift;
    } catch (error) {
      await this.gate.rebuild(saleId, token, "abort", 0, settingsOf(sale), []).catch(() => {});
      throw error;
    }
  }

  private async drainAndRebuild(sale: Sale, snapshot: HoldSnapshot, token: string) {
    const drained = await this.sweeper.sweep(sale.id, "+");
    return await this.rebuild(sale, snapshot, token, drained);
  }

  private async rebuild(
    sale: Sale,
    snapshot: HoldSnapshot,
    token: string,
    outboxDrained: number,
  ): Promise<Drift> {
    // Fenced at the hold: a write of a reservation from before it that is not in PostgreSQL by
    // now (after the drain) is void, so the stock counted here cannot be handed out twice.
    const rows = await this.orders.fencedBySale(sale.id, snapshot.heldAtMs);
    const sold = rows.reduce((n, r) => n + r.quantity, 0);
    const stock = Math.max(0, sale.totalStock - sold);
    const buyers: [string, BuyerRecord][] = rows.map((r) => [
      r.userId,
      { orderId: r.id, quantity: r.quantity, createdAtMs: r.createdAt.getTime() },
    ]);
    const settings = settingsOf(sale);
    const chunks = Math.max(1, Math.ceil(buyers.length / CHUNK));
    for (let i = 0; i < chunks; i++) {
      const step = chunks === 1 ? "only" : i === 0 ? "first" : i === chunks - 1 ? "last" : "middle";
      const ok = await this.gate.rebuild(
        sale.id,
        token,
        step,
        stock,
        settings,
        buyers.slice(i * CHUNK, (i + 1) * CHUNK),
      );
      if (!ok) throw new Error(`rebuild of sale ${sale.id} lost its lock`);
    }
    return {
      saleId: sale.id,
      keysMissing: !snapshot.hadState,
      outboxDrained,
      stockBefore: snapshot.stock,
      stockAfter: stock,
      buyersBefore: snapshot.buyers,
      buyersAfter: buyers.length,
      sold,
      repaired: snapshot.stock !== stock || snapshot.buyers !== buyers.length,
    };
  }
}
