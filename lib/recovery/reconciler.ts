import type { Drift } from "../domain/drift.ts";
import { AppError } from "../domain/errors.ts";
import type { Gate, HoldSnapshot } from "../gate/gate.ts";
import type { BuyerRecord } from "../gate/reservation.ts";
import { settingsOf } from "../domain/sale.ts";
import type { FencedCount, OrderRepository } from "../orders/repository.ts";
import type { OutboxSweeper } from "../orders/sweeper.ts";

const CHUNK = 1000;

/**
 * Another process holds the sale's rebuild lease. It reads the sale from PostgreSQL after any
 * change marked in Redis (configure.lua), so a settings change need not wait for it.
 */
export class RebuildingElsewhere extends AppError {
  constructor(saleId: number) {
    super("SALE_REBUILDING", `Sale ${saleId} is being rebuilt by another process.`);
  }
}

/** What a job does: a reset clears the sale first; the others rebuild what PostgreSQL holds. */
type Kind = "reconcile" | "reset" | "settings";

export interface ReconcilerOptions {
  /**
   * Life of a rebuild's lease in Redis, renewed every third of it while the rebuild works: how
   * long a crashed rebuilder keeps a sale closed.
   */
  leaseMs: number;
}

/**
 * Rebuilds a sale's Redis state from PostgreSQL (DESIGN §2). The order is what keeps it safe:
 * stop purchases (hold.lua), drain the outbox into PostgreSQL, and only then count PostgreSQL.
 * Counting first would hand out again the items of reservations not yet written: an oversell.
 *
 * One rebuild of a sale at a time: in this process a queue per sale, across processes the lease
 * that hold.lua takes. The lease is renewed while the rebuild works, and its fencing token goes to
 * PostgreSQL with each step: a step of a rebuild whose lease lapsed (a process paused, or cut off
 * from Redis) is refused once a newer rebuild has reached PostgreSQL.
 */
export class Reconciler {
  /** The last job queued per sale: each waits for the one before it. */
  private readonly jobs = new Map<number, { kind: Kind; done: Promise<Drift> }>();
  /** Rebuilds done, those that changed Redis, and the stock they moved (sum of |before − after|). */
  readonly stats = { runs: 0, repaired: 0, stockDrift: 0 };
  private readonly leaseMs: number;

  constructor(
    private readonly gate: Gate,
    private readonly orders: OrderRepository,
    private readonly sweeper: OutboxSweeper,
    private readonly onRebuilt: (saleId: number) => void,
    options: ReconcilerOptions = { leaseMs: 30_000 },
  ) {
    this.leaseMs = options.leaseMs;
  }

  /**
   * Drains the outbox, then rebuilds stock and buyers from PostgreSQL. Joins a reconcile of the
   * sale already queued or running here: it ends with Redis as PostgreSQL has it too (a settings
   * change it could miss is marked by configure.lua, and the rebuild then counts again).
   */
  reconcile(saleId: number): Promise<Drift> {
    return this.enqueue(saleId, "reconcile");
  }

  /**
   * After a committed settings change that Redis did not take (no live state, or a rebuild
   * running): a rebuild of its own, after whatever is queued, which read the sale before.
   */
  settingsChanged(saleId: number): Promise<Drift> {
    return this.enqueue(saleId, "settings");
  }

  /**
   * Clears a sale: its orders and pending reservations go, and stock starts again from the total.
   * Reservations made before the hold are void from here on, so a write still in flight from before
   * cannot land after the count. (Purchases stay refused until the rebuild, which takes longer than
   * the millisecond that stamps them, so every later reservation is stamped after the hold.) Never
   * joins another job: a reconcile already running would delete nothing.
   *
   * A new `totalStock` is written in the transaction that deletes the orders: a reset that fails
   * before it (Redis away, another rebuild holding the sale) leaves the total as it was, together
   * with the orders it counts.
   */
  reset(saleId: number, totalStock: number | null = null): Promise<Drift> {
    return this.enqueue(saleId, "reset", totalStock);
  }

  /** Starts a reconcile in the background unless a job of the sale is already queued here. */
  ensure(saleId: number): void {
    if (this.jobs.has(saleId)) return;
    this.reconcile(saleId).catch(
      () => {/* purchases keep answering "retry"; next one tries again */},
    );
  }

  private enqueue(saleId: number, kind: Kind, totalStock: number | null = null): Promise<Drift> {
    const last = this.jobs.get(saleId);
    if (kind === "reconcile" && last?.kind === "reconcile") return last.done;
    const done = (last?.done.catch(() => {}) ?? Promise.resolve()).then(() =>
      this.holdAndRun(saleId, kind, totalStock)
    );
    const job = { kind, done };
    this.jobs.set(saleId, job);
    done.catch(() => {}).finally(() => {
      if (this.jobs.get(saleId) === job) this.jobs.delete(saleId);
    });
    return done;
  }

  private async holdAndRun(saleId: number, kind: Kind, totalStock: number | null): Promise<Drift> {
    const snapshot = await this.gate.hold(saleId, this.leaseMs);
    if (!snapshot) throw new RebuildingElsewhere(saleId);
    const renewal = setInterval(() => {
      // A lapse is caught where it matters: PostgreSQL refuses this rebuild's token then.
      this.gate.renew(saleId, snapshot.token, this.leaseMs).catch(() => {});
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    try {
      let drained = 0;
      if (kind === "reset") {
        if (!(await this.orders.clearSale(saleId, snapshot.token, snapshot.heldAtMs, totalStock))) {
          throw superseded(saleId);
        }
        await this.gate.clearOutbox(saleId);
      } else {
        drained = await this.sweeper.sweep(saleId, "+");
      }
      const drift = await this.rebuild(saleId, snapshot, drained);
      this.stats.runs++;
      if (drift.repaired) this.stats.repaired++;
      this.stats.stockDrift += Math.abs((drift.stockBefore ?? 0) - drift.stockAfter);
      this.onRebuilt(saleId);
      return drift;
    } catch (error) {
      // Once a reset may have cleared PostgreSQL, the state from before it must never sell again.
      await this.gate.abandon(saleId, snapshot.token, kind !== "reset").catch(() => {});
      throw error;
    } finally {
      clearInterval(renewal);
    }
  }

  /**
   * Counts PostgreSQL (fenced at the hold) and writes Redis, again if the sale's settings changed
   * meanwhile: the count then waits for that change's commit (it locks the sale's row) and reads it.
   */
  private async rebuild(saleId: number, snapshot: HoldSnapshot, outboxDrained: number) {
    for (;;) {
      // Fenced at the hold: a write of a reservation from before it that is not in PostgreSQL by
      // now (after the drain) is void, so the stock counted here cannot be handed out twice.
      const counted = await this.orders.fencedCount(saleId, snapshot.token, snapshot.heldAtMs);
      if (!counted) throw superseded(saleId);
      const drift = await this.write(counted, snapshot, outboxDrained);
      if (drift) return drift;
    }
  }

  /** Writes the count into Redis in chunks; null if the settings changed since the hold. */
  private async write(
    { sale, orders }: FencedCount,
    snapshot: HoldSnapshot,
    outboxDrained: number,
  ): Promise<Drift | null> {
    const sold = orders.reduce((n, r) => n + r.quantity, 0);
    const stock = Math.max(0, sale.totalStock - sold);
    const buyers: [string, BuyerRecord][] = orders.map((r) => [
      r.userId,
      { orderId: r.id, quantity: r.quantity, createdAtMs: r.createdAt.getTime() },
    ]);
    const settings = settingsOf(sale);
    const chunks = Math.max(1, Math.ceil(buyers.length / CHUNK));
    for (let i = 0; i < chunks; i++) {
      const step = chunks === 1 ? "only" : i === 0 ? "first" : i === chunks - 1 ? "last" : "middle";
      const written = await this.gate.rebuild(
        sale.id,
        snapshot.token,
        step,
        stock,
        settings,
        buyers.slice(i * CHUNK, (i + 1) * CHUNK),
      );
      if (written === "SETTINGS_CHANGED") return null;
      if (written === "LEASE_LOST") throw new Error(`rebuild of sale ${sale.id} lost its lease`);
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

function superseded(saleId: number): AppError {
  return new AppError(
    "SALE_REBUILDING",
    `Sale ${saleId} was taken over by a newer rebuild, or no longer exists.`,
  );
}
