import type { Gate } from "../gate/gate.ts";
import type { SaleCache } from "./cache.ts";
import { saleStatus } from "./sale.ts";

export interface LiveUpdate {
  saleId: number;
  remainingStock: number;
  status: string;
  serverTime: string;
}

type Listener = (update: LiveUpdate) => void;

/**
 * One poll loop per process feeds every open event stream: each tick reads the stock of the sales
 * that have listeners (one GET each, whatever the number of listeners) and tells listeners only
 * when the stock or status changed. At most one update per tick, so at most 1000/intervalMs a second.
 */
export class LiveFeed {
  /** saleId -> listener -> how to end that listener's stream */
  private listeners = new Map<number, Map<Listener, () => void>>();
  private last = new Map<number, string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly gate: Gate,
    private readonly cache: SaleCache,
    private readonly intervalMs: number,
  ) {}

  get clients(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Adds a listener; `end` closes its stream when the feed shuts down. */
  subscribe(saleId: number, listener: Listener, end: () => void): () => void {
    let set = this.listeners.get(saleId);
    if (!set) {
      set = new Map();
      this.listeners.set(saleId, set);
    }
    set.set(listener, end);
    this.timer ??= setInterval(() => this.tick().catch(() => {}), this.intervalMs);
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(saleId);
        this.last.delete(saleId);
      }
      if (this.listeners.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** The current state of a sale, for a stream's first message. */
  async current(saleId: number): Promise<LiveUpdate | null> {
    const sale = this.cache.get(saleId);
    if (!sale) return null;
    const now = Date.now();
    return {
      saleId,
      remainingStock: await this.gate.readStock(saleId) ?? sale.totalStock,
      status: saleStatus(sale, now),
      serverTime: new Date(now).toISOString(),
    };
  }

  /** Ends every open stream (so a graceful shutdown does not wait on them) and the loop. */
  stop(): void {
    for (const set of [...this.listeners.values()]) for (const end of [...set.values()]) end();
    this.listeners.clear();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map(async (saleId) => {
      const update = await this.current(saleId);
      if (!update) return;
      const key = `${update.remainingStock}/${update.status}`;
      if (this.last.get(saleId) === key) return;
      this.last.set(saleId, key);
      for (const listener of this.listeners.get(saleId)?.keys() ?? []) listener(update);
    }));
  }
}
