import { Redis } from "ioredis";
import { saleKeys } from "../../lib/gate/keys.ts";
import type { Sql } from "../../lib/infra/db.ts";
import type { Attempt } from "./client.ts";

/** Breaches of DESIGN §1 found by counting rows and keys; every field must be 0. */
export interface Breaches {
  /** I1: items in PostgreSQL beyond the total stock. */
  oversold: number;
  /** I2: shoppers with more than one order, or Redis buyers that disagree with PostgreSQL. */
  duplicate: number;
  buyerMismatch: number;
  /** I3: acknowledged orders (SUCCESS, or PENDING once settled) missing from PostgreSQL. */
  lost: number;
  /** I5: shoppers who were refused and got no acknowledgement, yet have an order. */
  phantom: number;
  /** I4: Redis remaining != total - sold once settled (and I7's "no stuck stock"). */
  stuck: number;
  /** I6: orders both paid and given back (paid with released_at, or ended after a payment). */
  paidAndReleased: number;
  /** I7: ended holds (expired, cancelled) whose stock is not marked given back once settled. */
  unreleased: number;
  /** I8: orders paid by more than one payment event. */
  paidTwice: number;
}

export interface SaleState {
  total: number;
  sold: number;
  orders: number;
  remaining: number | null;
  outbox: number;
  buyers: number;
}

export async function readState(
  sql: Sql,
  redisUrl: string,
  prefix: string,
  saleId: number,
): Promise<SaleState> {
  const k = saleKeys(prefix, saleId);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const [[sale], [counts], stock, outbox, buyers] = await Promise.all([
      sql`SELECT total_stock FROM sales WHERE id = ${saleId}`,
      // Live orders only (DESIGN §9): expired and cancelled holds are sold no more.
      sql`SELECT count(*)::int AS orders, coalesce(sum(quantity), 0)::int AS sold
          FROM orders
          WHERE sale_id = ${saleId} AND status IN ('confirmed', 'held', 'paid')`,
      redis.get(k.stock),
      redis.xlen(k.outbox),
      redis.hlen(k.buyers),
    ]);
    return {
      total: sale!.total_stock,
      sold: counts!.sold,
      orders: counts!.orders,
      remaining: stock === null ? null : Number(stock),
      outbox,
      buyers,
    };
  } finally {
    redis.disconnect();
  }
}

/** Waits until the outbox is empty and Redis agrees with PostgreSQL, or the time is up. */
export async function waitUntilQuiet(
  sql: Sql,
  redisUrl: string,
  prefix: string,
  saleId: number,
  timeoutMs = 20_000,
): Promise<SaleState> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await readState(sql, redisUrl, prefix, saleId);
    const settled = s.outbox === 0 && s.remaining === s.total - s.sold && s.buyers === s.orders;
    if (settled || Date.now() > until) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * How a client must read an answer: `ok` (the shopper has an order: SUCCESS, PENDING or
 * ALREADY_PURCHASED), `refused` (a definite no: any other 4xx, or 503 SALE_REBUILDING, which the
 * script answers without reserving), or `indeterminate` (no answer, a reset, a timeout, any other
 * 5xx): the shopper may or may not have an order.
 */
export type Verdict = "ok" | "refused" | "indeterminate";

export function verdict(a: Attempt): Verdict {
  // No status, or a status whose body never arrived whole (the process died while sending it).
  if (a.status === 0 || a.result === null) return "indeterminate";
  if (a.result === "SUCCESS" || a.result === "PENDING" || a.result === "ALREADY_PURCHASED") {
    return "ok";
  }
  if (a.status < 500 || a.result === "SALE_REBUILDING") return "refused";
  return "indeterminate";
}

/**
 * Compares what clients were told (the history, in any order) with what PostgreSQL and Redis hold.
 * `lost`: an order id a shopper was given (SUCCESS, PENDING, ALREADY_PURCHASED) is not in
 * PostgreSQL. `phantom`: a shopper whose every answer was a refusal has an order. `duplicate`: a
 * shopper with two orders in PostgreSQL, or given two different order ids.
 *
 * A pending acknowledgement (202 PENDING, or ALREADY_PURCHASED naming an order still pending) is
 * a promise kept by Redis's outbox: a Redis that loses its data without persistence (FLUSHALL, a
 * restart from an old snapshot) loses it, as DESIGN §2 accepts. Tests that wipe Redis say so with
 * `redisLostData`, and then only confirmed answers count towards `lost` and `duplicate`.
 */
export async function breaches(
  sql: Sql,
  state: SaleState,
  saleId: number,
  attempts: Attempt[],
  options: { redisLostData?: boolean } = {},
): Promise<Breaches> {
  const rows = await sql<{ id: string; user_id: string; live: boolean }[]>`
    SELECT id, user_id, status IN ('confirmed', 'held', 'paid') AS live
    FROM orders WHERE sale_id = ${saleId}`;
  const byId = new Set(rows.map((r) => r.id));
  const ended = new Set(rows.filter((r) => !r.live).map((r) => r.id));
  // I2: one live order per shopper; an ended hold's shopper may have bought again.
  const perUser = new Map<string, number>();
  for (const r of rows.filter((r) => r.live)) {
    perUser.set(r.user_id, (perUser.get(r.user_id) ?? 0) + 1);
  }
  const given = new Map<string, Set<string>>();
  const verdicts = new Map<string, Set<Verdict>>();
  const binding = (a: Attempt) => !(options.redisLostData && a.pending);
  for (const a of attempts) {
    const v = verdict(a);
    verdicts.set(a.userId, (verdicts.get(a.userId) ?? new Set()).add(v));
    if (v === "ok" && a.orderId && binding(a)) {
      given.set(a.userId, (given.get(a.userId) ?? new Set()).add(a.orderId));
    }
  }
  const acknowledged = attempts.filter((a) => verdict(a) === "ok" && binding(a));
  const holds = await holdBreaches(sql, saleId);
  const onlyRefused = new Set(
    [...verdicts].filter(([, vs]) => vs.size === 1 && vs.has("refused")).map(([u]) => u),
  );
  return {
    oversold: Math.max(0, state.sold - state.total),
    duplicate: [...perUser.values()].filter((n) => n > 1).length +
      // Two order ids given to one shopper, unless all but one of them ended (a hold that expired
      // or was cancelled, then a new purchase).
      [...given.values()].filter((ids) => [...ids].filter((id) => !ended.has(id)).length > 1)
        .length,
    buyerMismatch: Math.abs(state.buyers - state.orders),
    lost: acknowledged.filter((a) => !a.orderId || !byId.has(a.orderId)).length,
    phantom: rows.filter((r) => onlyRefused.has(r.user_id)).length,
    stuck: state.remaining === state.total - state.sold ? 0 : 1,
    paidAndReleased: holds.paidAndReleased,
    unreleased: holds.unreleased,
    paidTwice: holds.paidTwice,
  };
}

/** I6, I7 and I8 of a sale (DESIGN §9), counted in PostgreSQL: 0 each for a sale without checkout. */
export async function holdBreaches(
  sql: Sql,
  saleId: number,
): Promise<{ paidAndReleased: number; unreleased: number; paidTwice: number }> {
  const [row] = await sql<{ paid_and_released: number; unreleased: number; paid_twice: number }[]>`
    SELECT
      (SELECT count(*)::int FROM orders WHERE sale_id = ${saleId} AND released_at IS NOT NULL
         AND (status = 'paid' OR paid_at IS NOT NULL)) AS paid_and_released,
      (SELECT count(*)::int FROM orders WHERE sale_id = ${saleId}
         AND status IN ('expired', 'cancelled') AND released_at IS NULL) AS unreleased,
      (SELECT count(*)::int FROM (
         SELECT order_id FROM payment_events WHERE sale_id = ${saleId} AND outcome = 'paid'
         GROUP BY order_id HAVING count(*) > 1) AS twice) AS paid_twice`;
  return {
    paidAndReleased: row!.paid_and_released,
    unreleased: row!.unreleased,
    paidTwice: row!.paid_twice,
  };
}

export const NO_BREACHES: Breaches = {
  oversold: 0,
  duplicate: 0,
  buyerMismatch: 0,
  lost: 0,
  phantom: 0,
  stuck: 0,
  paidAndReleased: 0,
  unreleased: 0,
  paidTwice: 0,
};
