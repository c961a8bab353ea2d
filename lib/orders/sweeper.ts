import type { Gate } from "../gate/gate.ts";
import type { Settle } from "./settle.ts";

const PAGE = 500;

/**
 * Makes sure every outbox entry reaches PostgreSQL: the safety net behind the group-commit writer
 * for reservations whose writer died (kill -9), timed out, or met an unreachable database.
 * Entries younger than `minAgeMs` are left to the writer that is probably still on them.
 */
export class OutboxSweeper {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<unknown> = Promise.resolve();
  /**
   * Sales whose outbox still held entries at their last sweep. They are swept on even once the sale
   * cache has let them go (ended over an hour ago, e.g. after a PostgreSQL outage that long), so no
   * reservation of a past sale is left unwritten.
   */
  private readonly unfinished = new Set<number>();
  readonly stats = { swept: 0, failures: 0, lastError: "" };

  constructor(
    private readonly gate: Gate,
    private readonly settle: Settle,
    private readonly saleIds: () => number[],
    private readonly options: { minAgeMs: number; intervalMs: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.sweepAll());
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweepAll(): Promise<void> {
    const cutoff = String(Date.now() - this.options.minAgeMs);
    for (const saleId of new Set([...this.saleIds(), ...this.unfinished])) {
      try {
        this.stats.swept += await this.sweep(saleId, cutoff);
        if (await this.gate.outboxLength(saleId) > 0) this.unfinished.add(saleId);
        else this.unfinished.delete(saleId);
      } catch (error) {
        this.unfinished.add(saleId);
        // PostgreSQL or Redis away: the entries stay, the next round tries again.
        this.stats.failures++;
        this.stats.lastError = error instanceof Error ? error.message : String(error);
      }
    }
  }

  /** Settles the sale's outbox entries up to `end` (a stream id or epoch ms; "+" for all). */
  async sweep(saleId: number, end: string): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.gate.readOutbox(saleId, end, PAGE);
      if (batch.length === 0) return total;
      await (await this.settle(batch, true)).redis;
      total += batch.length;
      if (batch.length < PAGE) return total;
    }
  }
}
