/**
 * The invariants of DESIGN §1, checked after a run once the server has settled: through the API
 * (admin stats, each acknowledged shopper's order) and, given its URL, by counting rows in
 * PostgreSQL directly, so a bug in the API's own counting cannot hide a breach.
 */
import postgres from "postgres";
import { type Attempt, type Check, pool } from "./driver.ts";

export interface SaleStats {
  total: number;
  sold: number;
  orders: number;
  remaining: number;
}

export interface OrderRow {
  id: string;
  userId: string;
  quantity: number;
  /** confirmed, held or paid (live: they count as sold), expired or cancelled (ended holds). */
  status: string;
  /** An ended hold's stock went back to Redis (`released_at` set). */
  released: boolean;
  /** A payment was applied to it (`paid_at` set). */
  paid: boolean;
}

const LIVE = new Set(["confirmed", "held", "paid"]);

/** An order that counts as sold: a sale without checkout has only these. */
export const isLive = (r: OrderRow) => LIVE.has(r.status);

export class Admin {
  constructor(readonly base: string, private readonly token: string) {}

  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.base + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  }

  async stats(saleId: number): Promise<SaleStats> {
    const s = await this.request("GET", `/api/admin/sales/${saleId}/stats`) as {
      sale: { totalStock: number };
      sold: number;
      orders: number;
      remainingStock: number;
    };
    return {
      total: s.sale.totalStock,
      sold: s.sold,
      orders: s.orders,
      remaining: s.remainingStock,
    };
  }
}

/**
 * Waits until Redis and PostgreSQL agree (remaining + sold == total) and the counts stopped moving
 * (the group commit and the outbox sweeper are done), or the time is up; returns the last read.
 */
export async function settle(admin: Admin, saleId: number, timeoutMs = 30_000): Promise<SaleStats> {
  const until = Date.now() + timeoutMs;
  let last = await admin.stats(saleId);
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await admin.stats(saleId);
    const agreed = now.remaining + now.sold === now.total;
    const still = now.sold === last.sold && now.orders === last.orders &&
      now.remaining === last.remaining;
    last = now;
    if ((agreed && still) || Date.now() > until) return now;
  }
}

/** The sale's order rows, straight from PostgreSQL. */
export async function readOrders(databaseUrl: string, saleId: number): Promise<OrderRow[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<
      {
        id: string;
        user_id: string;
        quantity: number;
        status: string;
        released: boolean;
        paid: boolean;
      }[]
    >`
      SELECT id, user_id, quantity, status, released_at IS NOT NULL AS released,
             paid_at IS NOT NULL AS paid
      FROM orders WHERE sale_id = ${saleId}`;
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      quantity: r.quantity,
      status: r.status,
      released: r.released,
      paid: r.paid,
    }));
  } finally {
    await sql.end();
  }
}

/**
 * A check over `compared` cases (orders, shoppers, pairs), `broken` of which broke it; `tally`
 * says how many of how many, for its name. A check that compared nothing proves nothing: it says
 * so, and fails.
 */
export function tallied(claim: string, compared: number, broken: number, tally: string): Check {
  return compared === 0
    ? { name: `${claim} (nothing compared: it proves nothing)`, ok: false }
    : { name: `${claim} (${tally})`, ok: broken === 0 };
}

const acknowledged = (a: Attempt) => a.result === "SUCCESS" || a.result === "PENDING";

/** How many acknowledged orders the public API does not show as that shopper's order. */
export async function missingInApi(
  base: string,
  saleId: number,
  attempts: Attempt[],
): Promise<number> {
  const acks = attempts.filter(acknowledged);
  let missing = 0;
  await pool(acks.length, 50, async (i) => {
    const { userId, orderId } = acks[i]!;
    const res = await fetch(`${base}/api/sales/${saleId}/orders/${encodeURIComponent(userId)}`);
    const body = await res.json() as { order?: { id?: string } };
    if (body.order?.id !== orderId) missing++;
  });
  return missing;
}

export interface Evidence {
  /** The sale before the run. */
  before: SaleStats;
  quantity: number;
  /** Distinct shoppers who tried (a storm's shopper counts once, however often it clicked). */
  shoppers: number;
  attempts: Attempt[];
  /** After settling. */
  after: SaleStats;
  /** Null when PostgreSQL was not given: those checks are then left out, and say so. */
  rows: OrderRow[] | null;
  missingInApi: number;
}

/** Judges the evidence: one check per invariant, each true when it holds. */
export function judge(e: Evidence): Check[] {
  // A request for q items is refused when fewer than q are left, so only whole orders sell.
  const available = e.before.total - e.before.sold;
  const expected = e.before.sold +
    Math.min(available - available % e.quantity, e.shoppers * e.quantity);
  const acks = e.attempts.filter(acknowledged);
  const errors = e.attempts.filter((a) => a.status === 0 || a.status >= 500).length;

  // Per shopper, every order id it was given (SUCCESS, PENDING, ALREADY_PURCHASED) must be one.
  const idsOf = new Map<string, Set<string>>();
  const successes = new Map<string, number>();
  for (const a of e.attempts) {
    if (a.orderId) idsOf.set(a.userId, (idsOf.get(a.userId) ?? new Set()).add(a.orderId));
    if (acknowledged(a)) successes.set(a.userId, (successes.get(a.userId) ?? 0) + 1);
  }
  const toldTwoOrders = [...idsOf.values()].filter((ids) => ids.size > 1).length;
  const ackedTwice = [...successes.values()].filter((n) => n > 1).length;
  const told = new Set([...idsOf.keys(), ...successes.keys()]).size;

  const checks: Check[] = [
    {
      name: `sold ${e.after.sold} == min(stock, distinct shoppers × quantity) ${expected}`,
      ok: e.after.sold === expected,
    },
    {
      name: `remaining ${e.after.remaining} == total − sold ${e.after.total - e.after.sold}`,
      ok: e.after.remaining === e.after.total - e.after.sold,
    },
    tallied(
      "every acknowledged order is the shopper's order in the API",
      acks.length,
      e.missingInApi,
      `${e.missingInApi} of ${acks.length} missing`,
    ),
    tallied(
      "no shopper was acknowledged twice or told of two orders",
      told,
      ackedTwice + toldTwoOrders,
      `${ackedTwice} acknowledged twice, ${toldTwoOrders} told of two, of ${told} shoppers`,
    ),
    tallied(
      "no 5xx or network errors",
      e.attempts.length,
      errors,
      `${errors} of ${e.attempts.length} attempts`,
    ),
  ];
  if (e.rows === null) return checks;

  // Sold, and one order per shopper, count live orders: an ended hold's row stays for the record.
  const rows = e.rows;
  const live = rows.filter(isLive);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const perShopper = new Map<string, number>();
  for (const r of live) perShopper.set(r.userId, (perShopper.get(r.userId) ?? 0) + 1);
  const sold = live.reduce((sum, r) => sum + r.quantity, 0);
  const lost = acks.filter((a) => !a.orderId || byId.get(a.orderId)?.userId !== a.userId).length;
  const duplicated = [...perShopper.values()].filter((n) => n > 1).length;
  // Refused shoppers must not have an order, unless one of their attempts has an unknown outcome.
  const mayHave = new Set(
    e.attempts.filter((a) =>
      acknowledged(a) || a.result === "ALREADY_PURCHASED" || a.status === 0 ||
      a.status >= 500
    ).map((a) => a.userId),
  );
  const tried = new Set(e.attempts.map((a) => a.userId));
  const refused = [...tried].filter((u) => !mayHave.has(u)).length;
  const phantom = rows.filter((r) => tried.has(r.userId) && !mayHave.has(r.userId)).length;
  checks.push(
    {
      name:
        `PostgreSQL: ${sold} items in ${live.length} orders == the API's ${e.after.sold} in ${e.after.orders}`,
      ok: sold === e.after.sold && live.length === e.after.orders,
    },
    { name: `PostgreSQL: no oversell (${sold} <= ${e.after.total})`, ok: sold <= e.after.total },
    tallied(
      "PostgreSQL: every SUCCESS is in PostgreSQL",
      acks.length,
      lost,
      `${lost} of ${acks.length} missing`,
    ),
    tallied(
      "PostgreSQL: no shopper has two live orders",
      perShopper.size,
      duplicated,
      `${duplicated} of ${perShopper.size} shoppers`,
    ),
    tallied(
      "PostgreSQL: no refused shopper has an order",
      refused,
      phantom,
      `${phantom} of ${refused} refused shoppers`,
    ),
  );
  return checks;
}
