import { Redis } from "ioredis";
import { saleKeys } from "../../lib/gate/keys.ts";
import type { Sql } from "../../lib/db.ts";
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
  /** I4: Redis remaining != total - sold once settled. */
  stuck: number;
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
      sql`SELECT count(*)::int AS orders, coalesce(sum(quantity), 0)::int AS sold
          FROM orders WHERE sale_id = ${saleId}`,
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
export async function settle(
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

/** Compares what clients were told with what PostgreSQL and Redis hold. */
export async function breaches(
  sql: Sql,
  state: SaleState,
  saleId: number,
  attempts: Attempt[],
): Promise<Breaches> {
  const rows = await sql<{ id: string; user_id: string }[]>`
    SELECT id, user_id FROM orders WHERE sale_id = ${saleId}`;
  const byId = new Set(rows.map((r) => r.id));
  const perUser = new Map<string, number>();
  for (const r of rows) perUser.set(r.user_id, (perUser.get(r.user_id) ?? 0) + 1);
  const acknowledged = attempts.filter((a) => a.result === "SUCCESS" || a.result === "PENDING");
  const ackedUsers = new Set(acknowledged.map((a) => a.userId));
  const refusedUsers = new Set(
    attempts.filter((a) => a.result === "SOLD_OUT" || a.result === "SALE_NOT_ACTIVE")
      .map((a) => a.userId).filter((u) => !ackedUsers.has(u)),
  );
  // A shopper with an attempt of unknown outcome (no answer, 5xx) may rightly have an order.
  const unknownUsers = new Set(
    attempts.filter((a) => a.status === 0 || a.status >= 500).map((a) => a.userId),
  );
  return {
    oversold: Math.max(0, state.sold - state.total),
    duplicate: [...perUser.values()].filter((n) => n > 1).length,
    buyerMismatch: Math.abs(state.buyers - state.orders),
    lost: acknowledged.filter((a) => !a.orderId || !byId.has(a.orderId)).length,
    phantom: rows.filter((r) => refusedUsers.has(r.user_id) && !unknownUsers.has(r.user_id))
      .length,
    stuck: state.remaining === state.total - state.sold ? 0 : 1,
  };
}

export const NO_BREACHES: Breaches = {
  oversold: 0,
  duplicate: 0,
  buyerMismatch: 0,
  lost: 0,
  phantom: 0,
  stuck: 0,
};
