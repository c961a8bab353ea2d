import type { Gate } from "../gate/gate.ts";

/** The oldest stock a read may be answered with. */
export const MAX_AGE_MS = 100;
/**
 * How often the stock is re-read while it is being read: under MAX_AGE_MS by a round trip and a
 * late timer, so a reader seldom finds the value expired and has to wait for one.
 */
export const REFRESH_MS = 90;
/** A sale not read for this long is dropped from the refresh; with none left, polling stops. */
export const IDLE_MS = 1000;

/** A sale's stock (null: Redis has no state for it) as Redis held it at `at` or later. */
interface Entry {
  stock: number | null;
  /** performance.now() at or before the moment Redis held this value. */
  at: number;
}

/**
 * The remaining stock of the sales being read, held in process so a status read or a page costs
 * no Redis call. What a read gets: for each sale, the stock as Redis held it at some moment no
 * earlier than MAX_AGE_MS before the read began, no earlier than the last change notice this
 * process heard for the sale, and no earlier than the reply of this process's last reservation
 * on it. When the snapshot holds no such value (the first read, or the first after IDLE_MS without
 * one), the read waits for one Redis call, shared by every reader waiting then.
 *
 * One call (stocks.lua) reads every sale read in the last IDLE_MS, every REFRESH_MS while reads
 * go on: the Redis cost is per refresh, not per request. A stock changes without a notice only
 * through purchases; this process's own tell their remaining stock for free (`observed`), and
 * other processes' show within MAX_AGE_MS.
 */
export class StockSnapshot {
  private entries = new Map<number, Entry>();
  /** Sale -> when it was last read. */
  private wanted = new Map<number, number>();
  /** Sale -> when its last change notice came: a value Redis held before then is not taken. */
  private noticedAt = new Map<number, number>();
  /**
   * Sale -> when this process last heard a reservation's reply on it. A refresh sent before then
   * may have run before that reservation (an attempt waits for its batch, and a REST call can be
   * overtaken), so its value is not taken.
   */
  private reservedAt = new Map<number, number>();
  private inFlight: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly gate: Gate) {}

  /** One sale's stock, no older than MAX_AGE_MS (see the class). */
  async read(saleId: number): Promise<number | null> {
    const held = this.peek(saleId);
    if (held !== undefined) return held;
    const [stock = null] = await this.readMany([saleId]);
    return stock;
  }

  /** One sale's stock if the snapshot holds it no older than MAX_AGE_MS; undefined if not. */
  private peek(saleId: number): number | null | undefined {
    const now = performance.now();
    this.wanted.set(saleId, now);
    const entry = this.entries.get(saleId);
    return entry !== undefined && entry.at >= now - MAX_AGE_MS ? entry.stock : undefined;
  }

  /** The stock of several sales, in the order asked, each no older than MAX_AGE_MS. */
  async readMany(saleIds: readonly number[]): Promise<(number | null)[]> {
    const now = performance.now();
    for (const id of saleIds) this.wanted.set(id, now);
    for (;;) {
      const values = this.freshAt(saleIds, now);
      if (values) return values;
      // Values of a call begun before `now - MAX_AGE_MS`, or missing a sale asked since it began,
      // do not do: the loop then starts another.
      await this.refresh();
    }
  }

  /** A change notice for the sale: its stock may have changed in any way (reset, rebuild). */
  noticed(saleId: number): void {
    this.noticedAt.set(saleId, performance.now());
    this.entries.delete(saleId);
  }

  /**
   * A stock Redis answered this process with (a reservation's remaining stock), `sentAt` taken
   * before the call was sent; called as the reply comes. Kept only for sales being read. It replaces
   * whatever the snapshot holds, even a value read after `sentAt`: that read may have run in Redis
   * before the reservation, and a read must not show stock this process has already sold.
   */
  observed(saleId: number, stock: number, sentAt: number): void {
    if (!this.wanted.has(saleId) || sentAt < (this.noticedAt.get(saleId) ?? -Infinity)) return;
    this.reservedAt.set(saleId, performance.now());
    this.entries.set(saleId, { stock, at: sentAt });
  }

  /** Stops polling for good (the process is closing). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private freshAt(saleIds: readonly number[], now: number): (number | null)[] | undefined {
    const values: (number | null)[] = [];
    for (const id of saleIds) {
      const entry = this.entries.get(id);
      if (entry === undefined || entry.at < now - MAX_AGE_MS) return undefined;
      values.push(entry.stock);
    }
    return values;
  }

  /** A refresh's value, read by a call sent at `at`. */
  private store(saleId: number, stock: number | null, at: number): void {
    const floor = Math.max(
      this.noticedAt.get(saleId) ?? -Infinity,
      this.reservedAt.get(saleId) ?? -Infinity,
    );
    if (at < floor) return;
    const held = this.entries.get(saleId);
    if (held === undefined || held.at <= at) this.entries.set(saleId, { stock, at });
  }

  /** The call in flight, or a new one: readers arriving together share it. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => this.inFlight = undefined);
    return this.inFlight;
  }

  private async load(): Promise<void> {
    // Readers of this same turn (a page of sales, the live feed's tick) join this call.
    await null;
    const ids = [...this.wanted.keys()];
    const at = performance.now();
    this.arm();
    const stocks = await this.gate.readStocks(ids);
    ids.forEach((id, i) => this.store(id, stocks[i] ?? null, at));
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = this.stopped ? undefined : setTimeout(() => this.tick(), REFRESH_MS);
  }

  private tick(): void {
    this.timer = undefined;
    const now = performance.now();
    for (const [id, readAt] of this.wanted) {
      if (now - readAt <= IDLE_MS) continue;
      this.wanted.delete(id);
      this.entries.delete(id);
      this.noticedAt.delete(id);
      this.reservedAt.delete(id);
    }
    if (this.wanted.size === 0) return; // nobody reads: polling stops until someone does
    if (this.inFlight) return this.arm(); // a slow call: try again after it
    // A failed call leaves the values to expire: the next reader calls again and sees the fault.
    this.refresh().catch(() => {});
  }
}
