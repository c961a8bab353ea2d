import type { RedisClient } from "../redis/client.ts";
import type { SaleRepository } from "./repository.ts";
import type { Sale } from "./sale.ts";

/**
 * Every sale's metadata, held in process so the purchase path never reads PostgreSQL. Kept fresh by
 * change notices on a Redis channel (from any process) and, in case one is missed, a periodic
 * re-read. Also holds the short-lived "sold out" hints, which a notice clears.
 */
export class SaleCache {
  private sales = new Map<number, Sale>();
  private soldOutUntil = new Map<number, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

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
      this.soldOutUntil.delete(saleId);
      this.reload(saleId).catch(() => {/* the periodic refresh catches up */});
    });
    this.timer = setInterval(() => this.refresh().catch(() => {}), this.options.refreshMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.();
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
    this.soldOutUntil.delete(saleId);
    await this.redis.publish(this.channel, String(saleId));
  }

  markSoldOut(saleId: number): void {
    this.soldOutUntil.set(saleId, Date.now() + this.options.soldOutTtlMs);
  }

  isSoldOut(saleId: number): boolean {
    const until = this.soldOutUntil.get(saleId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.soldOutUntil.delete(saleId);
    return false;
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
