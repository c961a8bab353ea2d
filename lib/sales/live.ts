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
 * Stream writes per second one process spends on a sale's updates. Past it, updates of that sale
 * come less often than every tick (5,000 streams: once a second): watchers cost the buyers a
 * bounded share of the CPU however many there are. Every stream still gets the latest state.
 */
const FANOUT_PER_SECOND = 5000;

/**
 * One poll loop per process feeds every open event stream: each tick reads the stock of the sales
 * that have listeners (one GET each, whatever the number of listeners) and tells listeners only
 * when the stock or status changed. At most one update per tick, so at most 1000/intervalMs a second,
 * and fewer for a sale with very many streams (FANOUT_PER_SECOND).
 */
export class LiveFeed {
  /** saleId -> listener -> how to end that listener's stream */
  private listeners = new Map<number, Map<Listener, () => void>>();
  private last = new Map<number, string>();
  private sentAt = new Map<number, number>();
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
        this.sentAt.delete(saleId);
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
    const now = Date.now();
    await Promise.all([...this.listeners].map(async ([saleId, set]) => {
      const gap = Math.max(this.intervalMs, (set.size * 1000) / FANOUT_PER_SECOND);
      if (now - (this.sentAt.get(saleId) ?? 0) < gap) return;
      const update = await this.current(saleId);
      if (!update) return;
      const key = `${update.remainingStock}/${update.status}`;
      if (this.last.get(saleId) === key) return;
      this.last.set(saleId, key);
      this.sentAt.set(saleId, now);
      for (const listener of set.keys()) listener(update);
    }));
  }
}
