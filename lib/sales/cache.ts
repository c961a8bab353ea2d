import type { RedisClient } from "../infra/redis/client.ts";
import type { SaleRepository } from "./repository.ts";
import type { Sale } from "../domain/sale.ts";

/**
 * A sale that Redis said has 0 left, until `until`. Its buyers then were all of them: no one can
 * buy without stock coming back, which every process hears of (and drops the hint). What is left
 * is the notice's own delay, and `until` for a notice lost with a Redis connection.
 */
interface SoldOutHint {
  until: number;
  buyers: ReadonlySet<string>;
}

/**
 * How long after its end a sale stays in memory: past it, no purchase can succeed and no page
 * watches it live, so its cost must not grow with the shop's history.
 */
const RECENT_MS = 60 * 60_000;
/** Past sales read on demand and kept (found or not): a fixed bound, whatever ids are asked. */
const PAST_CAPACITY = 1000;
/**
 * How far before the last change seen a refresh reads again: `updated_at` is its transaction's
 * start, so a change may commit after a later one was read.
 */
const REFRESH_OVERLAP_MS = 60_000;

/**
 * The metadata of the sales that can still be bought or watched (open, coming, or ended within
 * RECENT_MS), held in process so the purchase path never reads PostgreSQL for them. Kept fresh by
 * change notices on a Redis channel (from any process) and, in case one is missed, a periodic read
 * of the rows changed since the last one. Older sales are read on demand into a small LRU. Also
 * holds the short-lived "sold out" hints, which a notice clears.
 */
export class SaleCache {
  private sales = new Map<number, Sale>();
  /** Past sales by id, least recently used first; null for an id PostgreSQL does not have. */
  private readonly past = new Map<number, { sale: Sale | null; readAt: number }>();
  private readonly reading = new Map<number, Promise<Sale | null>>();
  /** The highest sale id known: an id above it names no sale yet (answered without PostgreSQL). */
  private maxId = 0;
  /** The latest `updated_at` the last refresh saw, on PostgreSQL's clock. */
  private since = new Date(0);
  private soldOut = new Map<number, SoldOutHint>();
  /** Per sale, how many change notices this process has heard: a hint read before one is stale. */
  private epochs = new Map<number, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly listeners: ((saleId: number) => void)[] = [];

  constructor(
    private readonly repo: SaleRepository,
    private readonly redis: RedisClient,
    private readonly channel: string,
    private readonly options: { refreshMs: number; soldOutTtlMs: number },
  ) {}

  async start(): Promise<void> {
    const mark = await this.repo.watermark();
    const now = Date.now();
    this.sales = new Map(
      (await this.repo.current(new Date(now - RECENT_MS))).map((s) => [s.id, s]),
    );
    this.maxId = mark.maxId;
    this.since = mark.updatedAt;
    this.unsubscribe = await this.redis.subscribe(this.channel, (message) => {
      const saleId = Number(message);
      this.clearSoldOut(saleId);
      for (const listener of this.listeners) listener(saleId);
      this.reload(saleId).catch(() => {/* the periodic refresh catches up */});
    });
    this.timer = setInterval(() => this.refresh().catch(() => {}), this.options.refreshMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.();
  }

  /** Calls `listener` with the sale's id on each change notice, this process's own at once. */
  onNotice(listener: (saleId: number) => void): void {
    this.listeners.push(listener);
  }

  /** A sale held in memory (open, coming or recently ended); no I/O. */
  get(id: number): Sale | undefined {
    return this.sales.get(id);
  }

  /** Any sale: from memory, or a past one from the LRU or PostgreSQL (one read at a time per id). */
  async find(id: number): Promise<Sale | undefined> {
    const held = this.sales.get(id);
    if (held || id > this.maxId) return held;
    const past = this.past.get(id);
    if (past && Date.now() - past.readAt < this.options.refreshMs) {
      this.remember(id, past.sale, past.readAt);
      return past.sale ?? undefined;
    }
    let read = this.reading.get(id);
    if (!read) {
      const readAt = Date.now();
      read = this.repo.get(id).then((sale) => {
        if (sale) this.place(sale, Date.now());
        else this.remember(id, null, readAt);
        return sale;
      }).finally(() => this.reading.delete(id));
      this.reading.set(id, read);
    }
    return (await read) ?? undefined;
  }

  /** True for a sale id this process knows and no longer holds: ended before the window. */
  isPast(id: number): boolean {
    return id <= this.maxId && !this.sales.has(id);
  }

  all(): Sale[] {
    return [...this.sales.values()];
  }

  ids(): number[] {
    return [...this.sales.keys()];
  }

  /** Takes a sale this process just changed, and tells the other processes. */
  async changed(sale: Sale): Promise<void> {
    this.place(sale, Date.now());
    await this.notify(sale.id);
  }

  /** Tells every process (this one included) that a sale's metadata or stock changed. */
  async notify(saleId: number): Promise<void> {
    this.clearSoldOut(saleId);
    // This process knows now: its reads must not wait for the channel's echo to show the change.
    for (const listener of this.listeners) listener(saleId);
    await this.redis.publish(this.channel, String(saleId));
  }

  /** Read before asking Redis whether a sale is sold out; `markSoldOut` takes it back. */
  soldOutEpoch(saleId: number): number {
    return this.epochs.get(saleId) ?? 0;
  }

  /**
   * Sets the hint with the sale's buyers as Redis held them at 0 stock, unless a change notice
   * came since `epoch`: then stock may have come back and new buyers may be missing.
   */
  markSoldOut(saleId: number, buyers: ReadonlySet<string>, epoch: number): void {
    if (epoch !== this.soldOutEpoch(saleId)) return;
    this.soldOut.set(saleId, { until: Date.now() + this.options.soldOutTtlMs, buyers });
  }

  /** Whether the sale's hint is set, whoever asks: then no new snapshot is needed. */
  hasSoldOutHint(saleId: number): boolean {
    return this.liveHint(saleId) !== undefined;
  }

  /** True when the hint says the sale is sold out and the shopper is not one of its buyers. */
  isSoldOutFor(saleId: number, userId: string): boolean {
    const hint = this.liveHint(saleId);
    return hint !== undefined && !hint.buyers.has(userId);
  }

  /** Drops the hint in this process; a snapshot begun before this call will not set it again. */
  clearSoldOut(saleId: number): void {
    this.epochs.set(saleId, this.soldOutEpoch(saleId) + 1);
    this.soldOut.delete(saleId);
  }

  private liveHint(saleId: number): SoldOutHint | undefined {
    const hint = this.soldOut.get(saleId);
    if (hint === undefined || hint.until > Date.now()) return hint;
    this.soldOut.delete(saleId);
    return undefined;
  }

  private async reload(saleId: number): Promise<void> {
    const sale = await this.repo.get(saleId);
    if (sale) this.place(sale, Date.now());
    else {
      this.drop(saleId);
      this.past.delete(saleId);
    }
  }

  /** Holds a sale in memory while it is in the window, else among the past ones. */
  private place(sale: Sale, now: number): void {
    this.maxId = Math.max(this.maxId, sale.id);
    if (sale.endTime.getTime() > now - RECENT_MS) {
      this.sales.set(sale.id, sale);
      this.past.delete(sale.id);
    } else {
      this.drop(sale.id);
      this.remember(sale.id, sale, now);
    }
  }

  private remember(id: number, sale: Sale | null, readAt: number): void {
    this.past.delete(id);
    this.past.set(id, { sale, readAt });
    if (this.past.size > PAST_CAPACITY) this.past.delete(this.past.keys().next().value!);
  }

  private drop(id: number): void {
    this.sales.delete(id);
    this.soldOut.delete(id);
    this.epochs.delete(id);
  }

  /** Reads only the rows changed since the last refresh, and lets the sales past the window go. */
  private async refresh(): Promise<void> {
    const mark = await this.repo.watermark();
    const now = Date.now();
    const changed = await this.repo.changed(
      new Date(this.since.getTime() - REFRESH_OVERLAP_MS),
      new Date(now - RECENT_MS),
      this.ids(),
    );
    for (const s of changed) {
      // A change this process made while the rows were read is newer than they are: keep it.
      const held = this.sales.get(s.id);
      if (!held || held.updatedAt <= s.updatedAt) this.place(s, now);
    }
    for (const sale of [...this.sales.values()]) {
      if (sale.endTime.getTime() <= now - RECENT_MS) this.drop(sale.id);
    }
    // Notices of sales not held leave epochs behind: none is needed once the sale is not held.
    for (const id of [...this.epochs.keys()]) if (!this.sales.has(id)) this.epochs.delete(id);
    this.maxId = Math.max(this.maxId, mark.maxId);
    this.since = mark.updatedAt;
  }
}
