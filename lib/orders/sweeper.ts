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
    for (const saleId of this.saleIds()) {
      try {
        this.stats.swept += await this.sweep(saleId, cutoff);
      } catch (error) {
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
      await (await this.settle(batch)).redis;
      total += batch.length;
      if (batch.length < PAGE) return total;
    }
  }
}
