import { BUCKETS_ROWS, Histogram } from "../infra/metrics.ts";
import type { ReservedOrder, Settled } from "../domain/order.ts";
import type { Settle } from "./settle.ts";

export interface WriterOptions {
  /**
   * How long the first row of a batch waits for company. 0: not at all, no timer; a batch is then
   * the rows handed in together (one gate call's reservations resolve in one go) and those that
   * queued while `maxInFlight` batches were being written: natural batching.
   */
  windowMs: number;
  maxBatch: number;
  /** Batches written at once; more rows gather while these are in flight. */
  maxInFlight: number;
  /**
   * How long a caller waits for its row's fate; past it, `write` resolves "TIMEOUT" while the row
   * is still written (or left in the outbox for the sweeper).
   */
  timeoutMs: number;
}

interface Waiting {
  order: ReservedOrder;
  /** When it was handed in (performance.now()). */
  since: number;
  resolve: (s: Settled | "TIMEOUT") => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: the purchases of the last few milliseconds share one multi-row INSERT, and each
 * caller learns its own row's fate only after that statement committed, or "TIMEOUT" first.
 */
export class OrderWriter {
  private queue: Waiting[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Callers not yet answered, oldest first (a Set iterates in insertion order): one timer for all
   * of their deadlines, not one per purchase (a timer per purchase cost the rush 5-11 % of its
   * throughput, docs/load-tests.md).
   */
  private readonly open = new Set<Waiting>();
  private expiry: ReturnType<typeof setTimeout> | undefined;
  private kickQueued = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  /** Redis follow-ups of written batches (outbox trims, releases): answers do not wait for them. */
  private followUps = new Set<Promise<void>>();
  readonly stats = { batches: 0, rows: 0, failures: 0 };
  readonly batchRows = new Histogram(BUCKETS_ROWS, 1);
  readonly batchLatency = new Histogram();

  constructor(private readonly settle: Settle, private readonly options: WriterOptions) {}

  write(order: ReservedOrder): Promise<Settled | "TIMEOUT"> {
    return new Promise((resolve, reject) => {
      const w: Waiting = {
        order,
        since: performance.now(),
        resolve: (s) => this.answer(w) && resolve(s),
        reject: (e) => this.answer(w) && reject(e),
      };
      this.queue.push(w);
      this.open.add(w);
      this.expiry ??= setTimeout(() => this.expire(), this.options.timeoutMs);
      if (this.queue.length >= this.options.maxBatch) this.kick();
      else if (this.options.windowMs > 0) {
        this.timer ??= setTimeout(() => this.kick(), this.options.windowMs);
      } else if (!this.kickQueued) {
        // After the callers already due in this turn (the rest of a gate call's batch) wrote.
        this.kickQueued = true;
        queueMicrotask(() => {
          this.kickQueued = false;
          this.kick();
        });
      }
    });
  }

  /** Marks a caller answered, once: false if it already was (its deadline came first). */
  private answer(w: Waiting): boolean {
    if (!this.open.delete(w)) return false;
    if (this.open.size === 0) {
      clearTimeout(this.expiry);
      this.expiry = undefined;
    }
    return true;
  }

  /** Answers "TIMEOUT" to every caller past its deadline, and waits for the next oldest one. */
  private expire(): void {
    this.expiry = undefined;
    const now = performance.now();
    for (const w of this.open) {
      const left = w.since + this.options.timeoutMs - now;
      if (left > 0) {
        this.expiry = setTimeout(() => this.expire(), left);
        return;
      }
      w.resolve("TIMEOUT");
    }
  }

  /** Resolves once every row handed in so far has been written (or failed) and followed up. */
  async drain(): Promise<void> {
    this.kick();
    if (this.queue.length > 0 || this.inFlight > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    await Promise.all(this.followUps);
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      this.run(this.queue.splice(0, this.options.maxBatch));
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    this.inFlight++;
    const started = performance.now();
    try {
      const { settled, redis } = await this.settle(batch.map((w) => w.order));
      settled.forEach((s, i) => batch[i]!.resolve(s));
      this.followUps.add(redis);
      redis.finally(() => this.followUps.delete(redis));
      this.stats.batches++;
      this.stats.rows += batch.length;
      this.batchRows.observe(batch.length);
      this.batchLatency.observe(performance.now() - started);
    } catch (error) {
      this.stats.failures++;
      for (const w of batch) w.reject(error);
    } finally {
      this.inFlight--;
      if (this.queue.length > 0) this.kick();
      else if (this.inFlight === 0) this.idle.splice(0).forEach((f) => f());
    }
  }
}
