import type { RedisClient, Reply, Script } from "../infra/redis/client.ts";
import { arrayReply, loadScripts } from "../infra/redis/client.ts";
import { lineKeys, rateKeys, saleKeys } from "./keys.ts";
import type { ReservedOrder } from "../domain/order.ts";
import type { SaleSettings } from "../domain/sale.ts";
import { BUCKETS_ROWS, Histogram } from "../infra/metrics.ts";
import {
  type BuyerRecord,
  decodeBuyer,
  encodeBuyer,
  type Reservation,
  reservation,
} from "./reservation.ts";

export interface RateLimits {
  windowMs: number;
  perShopper: number;
  perClient: number;
}

const NO_LIMITS: RateLimits = { windowMs: 1000, perShopper: 0, perClient: 0 };

export type ConfigureResult =
  | { code: "APPLIED"; remaining: number }
  | { code: "SALE_REBUILDING" }
  | { code: "BELOW_RESERVED"; reserved: number };

export interface HoldSnapshot {
  hadState: boolean;
  stock: number | null;
  buyers: number;
  outbox: number;
  /** Redis time when purchases stopped: every reservation before it is stamped at or before it. */
  heldAtMs: number;
  /** The hold's fencing token: higher than every earlier hold's of this sale. */
  token: string;
}

/** What one step of rebuild.lua did. */
export type RebuildStep = "WRITTEN" | "LEASE_LOST" | "SETTINGS_CHANGED";

const SCRIPT_FILES = [
  "purchase",
  "release",
  "configure",
  "hold",
  "lease",
  "rebuild",
  "buyers",
  "buyer",
  "stocks",
] as const;
type ScriptName = typeof SCRIPT_FILES[number];

/**
 * Attempts decided by one purchase.lua call at most: bounds how long one script holds Redis
 * (about 5 µs an attempt) while a rush still shares each round trip a hundredfold.
 */
const MAX_BATCH = 150;
/** How long committed rows' outbox trims wait for a purchase call to ride along with. */
const TRIM_WAIT_MS = 20;

interface Attempt {
  userId: string;
  orderId: string;
  quantity: number;
  clientIp: string;
  ticket: string;
  resolve: (r: Reservation) => void;
  reject: (e: unknown) => void;
}

interface TrimWaiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** One sale's queue: attempts waiting for the call in flight, and trims waiting for a call. */
interface Lane {
  attempts: Attempt[];
  busy: boolean;
  trims: string[];
  trimWaiters: TrimWaiter[];
  trimTimer: ReturnType<typeof setTimeout> | undefined;
}

/** Buyers per page of a sold-out snapshot: a bounded step, so a big hash never blocks Redis long. */
const BUYERS_PAGE = 1000;

/** The typed face of the Lua scripts: the only code that knows their keys, arguments and codes. */
export class Gate {
  /** Set once Redis Cluster refused a script over several sales' keys (CROSSSLOT). */
  private crossSlot = false;
  private readonly lanes = new Map<number, Lane>();
  /** Purchase calls, the attempts they carried, and outbox trims folded into them or sent alone. */
  readonly stats = { batches: 0, attempts: 0, trimsFolded: 0, trimsFlushed: 0 };
  readonly batchAttempts = new Histogram(BUCKETS_ROWS, 1);

  private constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly scripts: Record<ScriptName, Script>,
    private readonly limits: RateLimits,
  ) {}

  static async load(
    redis: RedisClient,
    prefix: string,
    limits: RateLimits = NO_LIMITS,
  ): Promise<Gate> {
    const scripts = await loadScripts(new URL("./", import.meta.url), SCRIPT_FILES);
    return new Gate(redis, prefix, scripts, limits);
  }

  keys(saleId: number) {
    return saleKeys(this.prefix, saleId);
  }

  /**
   * Decides one attempt. Attempts on a sale that arrive in the same turn of the event loop, or
   * while a call for it is in flight, go together in one call (purchase.lua decides each in order,
   * as if alone): a quiet sale's attempt goes alone at the end of its turn, with no timer, and a
   * busy sale pays one round trip and one script run per batch.
   * A Redis fault fails every attempt of its batch: an unknown outcome, as the script may have run.
   */
  reserve(
    saleId: number,
    userId: string,
    orderId: string,
    quantity: number,
    /** The caller's address, for the per-client limit; "" when none is known. */
    clientIp = "",
    /** The ticket of a verified admission (lib/line/admission.ts); "" for none. */
    ticket = "",
  ): Promise<Reservation> {
    // Checked before it joins a batch: a malformed attempt fails alone, never its companions.
    if (userId === "" || orderId === "" || !Number.isSafeInteger(quantity) || quantity < 1) {
      return Promise.reject(
        new Error(`malformed purchase attempt ${JSON.stringify({ userId, orderId, quantity })}`),
      );
    }
    const lane = this.lane(saleId);
    return new Promise((resolve, reject) => {
      lane.attempts.push({ userId, orderId, quantity, clientIp, ticket, resolve, reject });
      if (!lane.busy) {
        // After the rest of this turn's I/O: requests read together from the sockets go together.
        lane.busy = true;
        setImmediate(() => this.send(saleId, lane));
      }
    });
  }

  /**
   * Drops outbox entries whose orders PostgreSQL now holds. They ride along with the sale's next
   * purchase call; with none within TRIM_WAIT_MS, they go by a call of their own, so a committed
   * order is never reported pending (buyer.lua) for long. Resolves once they are gone.
   */
  trimOutbox(saleId: number, outboxIds: string[]): Promise<void> {
    if (outboxIds.length === 0) return Promise.resolve();
    const lane = this.lane(saleId);
    return new Promise((resolve, reject) => {
      lane.trims.push(...outboxIds);
      lane.trimWaiters.push({ resolve, reject });
      lane.trimTimer ??= setTimeout(() => this.flushTrims(saleId, lane), TRIM_WAIT_MS);
    });
  }

  private lane(saleId: number): Lane {
    let lane = this.lanes.get(saleId);
    if (!lane) {
      lane = { attempts: [], busy: false, trims: [], trimWaiters: [], trimTimer: undefined };
      this.lanes.set(saleId, lane);
    }
    return lane;
  }

  /**
   * Sends what the lane has queued, then whatever queued meanwhile, one call at a time; the lane is
   * busy from the first attempt's turn until this returns.
   */
  private async send(saleId: number, lane: Lane): Promise<void> {
    while (lane.attempts.length > 0) {
      const batch = lane.attempts.splice(0, MAX_BATCH);
      const trims = this.takeTrims(lane);
      const k = this.keys(saleId);
      const { windowMs, perShopper, perClient } = this.limits;
      const q = lineKeys(this.prefix, saleId);
      const keys = [k.meta, k.stock, k.buyers, k.outbox, q.admitted, q.states, q.meta];
      const args: (string | number)[] = [windowMs, perShopper, perClient, trims.ids.length];
      args.push(...trims.ids);
      for (const a of batch) {
        const rate = rateKeys(this.prefix, saleId, a.userId, a.clientIp);
        keys.push(rate.shopper, rate.client);
        args.push(a.userId, a.orderId, a.quantity, a.ticket);
      }
      this.stats.batches++;
      this.stats.attempts += batch.length;
      this.stats.trimsFolded += trims.ids.length;
      this.batchAttempts.observe(batch.length);
      try {
        const replies = arrayReply(await this.redis.evalScript(this.scripts.purchase, keys, args));
        if (replies.length !== batch.length) {
          throw new Error(`purchase.lua answered ${replies.length} of ${batch.length} attempts`);
        }
        trims.waiters.forEach((w) => w.resolve());
        batch.forEach((a, i) => {
          try {
            a.resolve(reservation(arrayReply(replies[i]!)));
          } catch (error) {
            a.reject(error);
          }
        });
      } catch (error) {
        // The entries stay in the outbox: the sweeper commits (idempotently) and trims them later.
        trims.waiters.forEach((w) => w.reject(error));
        for (const a of batch) a.reject(error);
      }
    }
    lane.busy = false;
    // Trims still waiting keep the lane: their timer flushes them and lets it go.
    if (lane.trims.length === 0) this.lanes.delete(saleId);
  }

  private takeTrims(lane: Lane): { ids: string[]; waiters: TrimWaiter[] } {
    clearTimeout(lane.trimTimer);
    lane.trimTimer = undefined;
    return { ids: lane.trims.splice(0), waiters: lane.trimWaiters.splice(0) };
  }

  private async flushTrims(saleId: number, lane: Lane): Promise<void> {
    const { ids, waiters } = this.takeTrims(lane);
    if (!lane.busy && this.lanes.get(saleId) === lane) this.lanes.delete(saleId);
    if (ids.length === 0) return;
    this.stats.trimsFlushed += ids.length;
    try {
      await this.redis.xdel(this.keys(saleId).outbox, ids);
      waiters.forEach((w) => w.resolve());
    } catch (error) {
      waiters.forEach((w) => w.reject(error));
    }
  }

  /** How many shoppers hold an order in the sale (its buyers hash). */
  async countBuyers(saleId: number): Promise<number> {
    return await this.redis.hlen(this.keys(saleId).buyers);
  }

  /** Undoes a reservation whose order PostgreSQL proved cannot exist. True if stock went back. */
  async release(
    saleId: number,
    userId: string,
    orderId: string,
    quantity: number,
    existing: BuyerRecord | null,
    outboxId: string | null,
  ): Promise<boolean> {
    const k = this.keys(saleId);
    const r = arrayReply(
      await this.redis.evalScript(this.scripts.release, [k.stock, k.buyers, k.outbox], [
        userId,
        orderId,
        quantity,
        existing ? encodeBuyer(existing) : "",
        outboxId ?? "",
      ]),
    );
    return r[0] === 1;
  }

  /**
   * Every buyer of a sale whose stock reads 0, or null once it does not (stock came back, or the
   * sale has no state) or once a buyer may have come between two pages (stock came back and sold
   * out again meanwhile: buyers.lua's version moved). Paged (HSCAN), so a big sale costs a few short
   * calls, not one long one.
   */
  async soldOutBuyers(saleId: number): Promise<Set<string> | null> {
    const k = this.keys(saleId);
    const buyers = new Set<string>();
    let cursor = "0";
    let version: string | undefined;
    do {
      const r = arrayReply(
        await this.redis.evalScript(this.scripts.buyers, [k.stock, k.buyers, k.outbox, k.fence], [
          cursor,
          BUYERS_PAGE,
        ]),
      );
      if (r[0] !== 0 || (version !== undefined && String(r[2]) !== version)) return null;
      cursor = String(r[1]);
      version = String(r[2]);
      for (const userId of r.slice(3)) buyers.add(String(userId));
    } while (cursor !== "0");
    return buyers;
  }

  /** A shopper's reservation, `pending` while its outbox entry is there; null for none. */
  async readBuyer(
    saleId: number,
    userId: string,
  ): Promise<{ buyer: BuyerRecord; pending: boolean } | null> {
    const k = this.keys(saleId);
    const r = arrayReply(
      await this.redis.evalScript(this.scripts.buyer, [k.buyers, k.outbox], [userId]),
    );
    if (r.length === 0) return null;
    return { buyer: decodeBuyer(String(r[0])), pending: r[1] === 1 };
  }

  async configure(saleId: number, s: SaleSettings): Promise<ConfigureResult> {
    const k = this.keys(saleId);
    const r = arrayReply(
      await this.redis.evalScript(this.scripts.configure, [k.meta, k.stock], [
        s.totalStock,
        s.perUserLimit,
        s.startMs,
        s.endMs,
        s.waitingRoom ? 1 : 0,
      ]),
    );
    if (r[0] === 1) return { code: "APPLIED", remaining: Number(r[1]) };
    if (r[0] === -1) return { code: "BELOW_RESERVED", reserved: Number(r[1]) };
    return { code: "SALE_REBUILDING" };
  }

  /** Stops purchases of a sale for a rebuild; null when another rebuild holds its lease. */
  async hold(saleId: number, leaseMs: number): Promise<HoldSnapshot | null> {
    const k = this.keys(saleId);
    const r = arrayReply(
      await this.redis.evalScript(
        this.scripts.hold,
        [k.meta, k.stock, k.buyers, k.outbox, k.lock, k.fence],
        [leaseMs],
      ),
    );
    if (r[0] !== 1) return null;
    const stock = Number(r[2]);
    return {
      hadState: r[1] === 1,
      stock: stock < 0 ? null : stock,
      buyers: Number(r[3]),
      outbox: Number(r[4]),
      heldAtMs: Number(r[5]),
      token: String(r[6]),
    };
  }

  /** Extends a rebuild's lease; false if it is no longer this rebuild's. */
  async renew(saleId: number, token: string, leaseMs: number): Promise<boolean> {
    return await this.redis.evalScript(this.scripts.lease, [this.keys(saleId).lock], [
      token,
      leaseMs,
    ]) === 1;
  }

  /** Writes one chunk of a rebuild. */
  async rebuild(
    saleId: number,
    token: string,
    step: "first" | "middle" | "last" | "only",
    stock: number,
    s: SaleSettings,
    buyers: [string, BuyerRecord][],
  ): Promise<RebuildStep> {
    const args: (string | number)[] = [
      token,
      step,
      stock,
      s.totalStock,
      s.perUserLimit,
      s.startMs,
      s.endMs,
      s.waitingRoom ? 1 : 0,
    ];
    for (const [userId, record] of buyers) args.push(userId, encodeBuyer(record));
    const r = await this.rebuildScript(saleId, args);
    return r === 1 ? "WRITTEN" : r === 2 ? "SETTINGS_CHANGED" : "LEASE_LOST";
  }

  /**
   * Ends a failed rebuild's hold: `reopen` lets purchases go on with the state Redis had (if it was
   * complete and its settings unchanged); otherwise the sale stays closed until a rebuild.
   */
  async abandon(saleId: number, token: string, reopen: boolean): Promise<void> {
    await this.rebuildScript(saleId, [token, reopen ? "abort" : "close"]);
  }

  private rebuildScript(saleId: number, args: (string | number)[]): Promise<Reply> {
    const k = this.keys(saleId);
    return this.redis.evalScript(this.scripts.rebuild, [k.meta, k.stock, k.buyers, k.lock], args);
  }

  /** Outbox entries up to `end` (a stream id, or a bare epoch ms), oldest first. */
  async readOutbox(saleId: number, end: string, count: number): Promise<ReservedOrder[]> {
    const entries = await this.redis.xrange(this.keys(saleId).outbox, "-", end, count);
    return entries.map((e) => ({
      id: e.fields.o ?? "",
      saleId,
      userId: e.fields.u ?? "",
      quantity: Number(e.fields.q),
      createdAtMs: Number(e.fields.t),
      outboxId: e.id,
    }));
  }

  /** Reservations of the sale not yet known to be in PostgreSQL. */
  outboxLength(saleId: number): Promise<number> {
    return this.redis.xlen(this.keys(saleId).outbox);
  }

  async clearOutbox(saleId: number): Promise<void> {
    await this.redis.del(this.keys(saleId).outbox);
  }

  async readStock(saleId: number): Promise<number | null> {
    const v = await this.redis.get(this.keys(saleId).stock);
    return v === null ? null : Number(v);
  }

  /**
   * The stock of several sales, in the order asked (null: no state), in one call. A cluster keeps
   * sales on different shards, so there it is one GET per sale, all at once.
   */
  async readStocks(saleIds: readonly number[]): Promise<(number | null)[]> {
    const [only] = saleIds;
    if (saleIds.length === 1 && only !== undefined) return [await this.readStock(only)];
    if (!this.crossSlot) {
      try {
        const keys = saleIds.map((id) => this.keys(id).stock);
        return arrayReply(await this.redis.evalScript(this.scripts.stocks, keys, []))
          .map((v) => v === null ? null : Number(v));
      } catch (error) {
        if (!(error instanceof Error && error.message.includes("CROSSSLOT"))) throw error;
        this.crossSlot = true;
      }
    }
    return await Promise.all(saleIds.map((id) => this.readStock(id)));
  }
}
