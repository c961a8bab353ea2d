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
 * Every sale's metadata, held in process so the purchase path never reads PostgreSQL. Kept fresh by
 * change notices on a Redis channel (from any process) and, in case one is missed, a periodic
 * re-read. Also holds the short-lived "sold out" hints, which a notice clears.
 */
export class SaleCache {
  private sales = new Map<number, Sale>();
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
    await this.refresh();
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

  get(id: number): Sale | undefined {
    return this.sales.get(id);
  }

  all(): Sale[] {
    return [...this.sales.values()];
  }

  ids(): number[] {
    return [...this.sales.keys()];
  }

  /** Takes a sale this process just changed, and tells the other processes. */
  async changed(sale: Sale): Promise<void> {
    this.sales.set(sale.id, sale);
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
    if (sale) this.sales.set(sale.id, sale);
    else this.sales.delete(saleId);
  }

  private async refresh(): Promise<void> {
    const sales = await this.repo.list();
    // A change this process made while the list was read is newer than the list: keep it.
    this.sales = new Map(sales.map((s) => {
      const held = this.sales.get(s.id);
      return [s.id, held && held.updatedAt > s.updatedAt ? held : s];
    }));
  }
}
