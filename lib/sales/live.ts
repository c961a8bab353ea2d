import type { SaleCache } from "./cache.ts";
import type { StockSnapshot } from "./stock.ts";
import type { WaitingLine } from "../line/line.ts";
import { type LiveUpdate, saleStatus } from "../domain/sale.ts";

type Listener = (update: LiveUpdate) => void;

/** How an attempt to open an event stream ended. */
export type StreamOpening =
  | { kind: "OPEN"; stream: ReadableStream<Uint8Array> }
  | { kind: "SALE_NOT_FOUND" }
  /** EVENT_STREAMS_PER_IP or EVENT_STREAMS_MAX reached in this process. */
  | { kind: "TOO_MANY" }
  /** The feed was stopped (the process is shutting down). */
  | { kind: "STOPPED" };

export interface LiveOptions {
  /** Poll tick. */
  intervalMs: number;
  /** Streams one client IP may hold open in this process. */
  perIp: number;
  /** Streams this process holds open at most. */
  max: number;
  /** A comment line this often keeps proxies from closing a quiet stream (15 s). */
  heartbeatMs?: number;
  /** A stream whose client has left frames unread this long is cut, and its slot freed (30 s). */
  stallMs?: number;
}

/**
 * Stream writes per second one process spends on a sale's updates. Past it, updates of that sale
 * come less often than every tick (5,000 streams: once a second): watchers cost the buyers a
 * bounded share of the CPU however many there are. Every stream still gets the latest state.
 */
const FANOUT_PER_SECOND = 5000;
const HEARTBEAT_MS = 15_000;
const STALL_MS = 30_000;
const encoder = new TextEncoder();

/**
 * The feed hands the same update object to every stream of a sale: its frame is serialised once,
 * not once per stream (5,000 streams would otherwise JSON-encode the same update 5,000 times).
 */
const frames = new WeakMap<LiveUpdate, Uint8Array>();
function frameOf(u: LiveUpdate): Uint8Array {
  let frame = frames.get(u);
  if (!frame) {
    frame = encoder.encode(`event: sale\ndata: ${JSON.stringify(u)}\n\n`);
    frames.set(u, frame);
  }
  return frame;
}

/** What a stream is told again only when it changed: stock, status, and the line's progress. */
function changeKey(u: LiveUpdate): string {
  const line = u.line ? `/${u.line.served}/${u.line.waiting}/${u.line.drawn}` : "";
  return `${u.remainingStock}/${u.status}${line}`;
}

/**
 * One poll loop per process feeds every open event stream: each tick reads the stock of the sales
 * that have listeners from the process's stock snapshot (lib/sales/stock.ts, shared with the status
 * reads: no Redis call of its own, whatever the number of listeners) and tells listeners only
 * when the stock or status changed. At most one update per tick, so at most 1000/intervalMs a second,
 * and fewer for a sale with very many streams (FANOUT_PER_SECOND).
 *
 * Streams are capped per client IP and per process, and a stream whose client stops reading is
 * cut once its unread frames are older than `stallMs`: the socket's buffers fill first (a few MB),
 * then frames queue here, where they are counted. A stopped feed opens nothing more, so a stream
 * arriving during shutdown cannot restart the loop and hold the process open.
 */
export class LiveFeed {
  /** saleId -> listener -> how to end that listener's stream */
  private listeners = new Map<number, Map<Listener, () => void>>();
  private last = new Map<number, string>();
  private sentAt = new Map<number, number>();
  /** Open streams (and streams being opened) by client IP; an IP with none has no entry. */
  private byIp = new Map<string, number>();
  private streams = 0;
  private stopped = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly heartbeatMs: number;
  private readonly stallMs: number;

  constructor(
    private readonly stock: StockSnapshot,
    private readonly cache: SaleCache,
    private readonly line: WaitingLine,
    private readonly options: LiveOptions,
  ) {
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.stallMs = options.stallMs ?? STALL_MS;
  }

  get clients(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Opens a Server-Sent Events stream of a sale for a client: its state now, then each change. */
  async open(saleId: number, clientIp: string): Promise<StreamOpening> {
    if (this.stopped) return { kind: "STOPPED" };
    const ofIp = this.byIp.get(clientIp) ?? 0;
    if (ofIp >= this.options.perIp || this.streams >= this.options.max) return { kind: "TOO_MANY" };
    // The slot is taken before the first await, so streams opened at once cannot pass the caps.
    this.byIp.set(clientIp, ofIp + 1);
    this.streams++;
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      this.streams--;
      const n = (this.byIp.get(clientIp) ?? 1) - 1;
      if (n === 0) this.byIp.delete(clientIp);
      else this.byIp.set(clientIp, n);
    };
    let first: LiveUpdate | null;
    try {
      first = await this.current(saleId);
    } catch (error) {
      free();
      throw error;
    }
    if (!first) {
      free();
      return { kind: "SALE_NOT_FOUND" };
    }
    if (this.stopped) {
      free();
      return { kind: "STOPPED" };
    }
    return { kind: "OPEN", stream: this.stream(saleId, first, free) };
  }

  /** The current state of a sale, for a stream's first message. */
  async current(saleId: number): Promise<LiveUpdate | null> {
    const sale = await this.cache.find(saleId);
    if (!sale) return null;
    const now = Date.now();
    const [remaining, line] = await Promise.all([
      this.stock.read(saleId),
      sale.waitingRoom ? this.line.progress(saleId) : undefined,
    ]);
    const update: LiveUpdate = {
      saleId,
      remainingStock: remaining ?? sale.totalStock,
      status: saleStatus(sale, now),
      serverTime: new Date(now).toISOString(),
    };
    if (line) update.line = { served: line.served, waiting: line.waiting, drawn: line.drawn };
    return update;
  }

  /** Ends every open stream (so a graceful shutdown does not wait on them) and the loop, for good. */
  stop(): void {
    this.stopped = true;
    for (const set of [...this.listeners.values()]) for (const end of [...set.values()]) end();
    this.listeners.clear();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private stream(saleId: number, first: LiveUpdate, free: () => void): ReadableStream<Uint8Array> {
    let cleanup = () => {};
    let lastSent = changeKey(first);
    /** Since when frames have sat unread (undefined: the client has read everything). */
    let unreadSince: number | undefined;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const queued = () => (controller.desiredSize ?? 0) < 0;
    const stalled = () =>
      queued() && unreadSince !== undefined && Date.now() - unreadSince > this.stallMs;
    const end = (how: "close" | "cut") => {
      cleanup();
      try {
        // Closing waits for the client to read what is queued; a client that does not read is cut.
        if (how === "close" && !queued()) controller.close();
        else controller.error(new Error("event stream cut: the client stopped reading"));
      } catch { /* already ended */ }
    };
    const send = (data: string | Uint8Array) => {
      if (stalled()) return end("cut");
      try {
        controller.enqueue(typeof data === "string" ? encoder.encode(data) : data);
      } catch {
        return end("cut");
      }
      if (queued()) unreadSince ??= Date.now();
    };
    return new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        send(`retry: 2000\nevent: sale\ndata: ${JSON.stringify(first)}\n\n`);
        const unsubscribe = this.subscribe(saleId, (u) => {
          // The feed tells of changes since its last tick; this stream may have sent them.
          const key = changeKey(u);
          if (key === lastSent) return;
          lastSent = key;
          send(frameOf(u));
        }, () => end("close"));
        const heartbeat = setInterval(
          () => send(`: heartbeat ${Date.now()}\n\n`),
          this.heartbeatMs,
        );
        cleanup = () => {
          cleanup = () => {};
          clearInterval(heartbeat);
          unsubscribe();
          free();
        };
      },
      // With a high-water mark of 0, called only when the client has read everything queued.
      pull: () => {
        unreadSince = undefined;
      },
      // Called when the client goes away.
      cancel: () => cleanup(),
    }, { highWaterMark: 0, size: (chunk) => chunk.byteLength });
  }

  /** Adds a listener; `end` closes its stream when the feed shuts down. */
  private subscribe(saleId: number, listener: Listener, end: () => void): () => void {
    let set = this.listeners.get(saleId);
    if (!set) {
      set = new Map();
      this.listeners.set(saleId, set);
    }
    set.set(listener, end);
    this.timer ??= setInterval(() => this.tick().catch(() => {}), this.options.intervalMs);
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

  private async tick(): Promise<void> {
    const now = Date.now();
    await Promise.all([...this.listeners].map(async ([saleId, set]) => {
      const gap = Math.max(this.options.intervalMs, (set.size * 1000) / FANOUT_PER_SECOND);
      if (now - (this.sentAt.get(saleId) ?? 0) < gap) return;
      const update = await this.current(saleId);
      if (!update) return;
      const key = changeKey(update);
      if (this.last.get(saleId) === key) return;
      this.last.set(saleId, key);
      this.sentAt.set(saleId, now);
      for (const listener of set.keys()) listener(update);
    }));
  }
}
