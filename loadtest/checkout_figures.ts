/**
 * What the `checkout` scenario (checkout.ts) measures and checks: each hold the runner won and what
 * its shopper did with it, the figures drawn from them (paid, expired, cancelled, late, how soon
 * returned stock sold again), and the checks of DESIGN §9 (I6-I8) against the admin stats and the
 * rows in PostgreSQL.
 */
import postgres from "postgres";
import { type Admin, isLive, type OrderRow, tallied } from "./invariants.ts";
import type { Check } from "./driver.ts";
import { percentile, type Summary } from "./stats.ts";

export interface CheckoutSettings {
  holdSeconds: number;
  /** Shares of the rush's winners who never pay, and who cancel. */
  abandon: number;
  cancel: number;
  /** Winners who pay a second after their hold ended. */
  late: number;
  /** Clients buying as a new shopper again and again once the rush is over. */
  later: number;
  /** PAYMENT_WEBHOOK_SECRET: the runner signs its payments as the provider does. */
  secret: string;
  admin: Admin;
}

/** What a winner does with the hold. */
export type Fate =
  /** Pays within the hold (a random moment in its first half), some sending the event twice. */
  | "pay"
  /** Never pays: the hold expires. */
  | "abandon"
  /** Cancels within the hold. */
  | "cancel"
  /** Pays a second after the hold ended: must be told HOLD_EXPIRED, and listed as a late payment. */
  | "late";

/** One hold the runner won; times are epoch ms (the deadline by the server's clock). */
export interface Hold {
  userId: string;
  orderId: string;
  fate: Fate;
  /** Won by a later shopper (after the rush): pays at once. */
  later: boolean;
  /** When the purchase was answered, and the hold's deadline. */
  wonAt: number;
  deadline: number;
  /** The payment event's id (pay, late). */
  eventId: string | null;
  /** When the payment or cancel was sent, and what it was told: the order's status, else the code. */
  sentAt: number | null;
  told: string | null;
  /** A payer sending the same event again: what the redelivery was told. */
  redelivery: string | null;
}

/** The admin stats' checkout part. */
export interface CheckoutStats {
  holds: { held: number; paid: number; expired: number; cancelled: number } | null;
  latePayments: { eventId: string; orderId: string }[];
}

export async function checkoutStats(admin: Admin, saleId: number): Promise<CheckoutStats> {
  const s = await admin.request("GET", `/api/admin/sales/${saleId}/stats`) as CheckoutStats;
  return { holds: s.holds, latePayments: s.latePayments };
}

export interface PaymentEventRow {
  id: string;
  orderId: string;
  outcome: string;
}

/** The sale's payment events, straight from PostgreSQL. */
export async function readPaymentEvents(
  databaseUrl: string,
  saleId: number,
): Promise<PaymentEventRow[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: string; order_id: string; outcome: string }[]>`
      SELECT id, order_id, outcome FROM payment_events WHERE sale_id = ${saleId}`;
    return rows.map((r) => ({ id: r.id, orderId: r.order_id, outcome: r.outcome }));
  } finally {
    await sql.end();
  }
}

export interface Resale {
  /** Holds that ended unpaid (expired or cancelled), and how many of them a later SUCCESS followed. */
  returned: number;
  soldAgain: number;
  /** Seconds from a hold's end to the SUCCESS that followed it. */
  p50: number;
  p99: number;
  max: number;
}

export interface CheckoutReport {
  holdSeconds: number;
  /** Holds won: in the rush, and by the later shoppers. */
  won: number;
  wonLater: number;
  /** Holds by what became of them, as the runner was told. */
  paid: number;
  cancelled: number;
  /** Not paid and not cancelled: abandoned, late, or a payment refused. */
  expired: number;
  /** Payments sent after the hold ended, and those told HOLD_EXPIRED. */
  late: number;
  lateRefused: number;
  /** Payment events sent twice, and what the second sending was told. */
  redelivered: number;
  resale: Resale;
  /** The payments and cancels: latency and outcomes by step. */
  requests: Summary;
}

const tells = (h: Hold, what: string) => h.told === what;
/** Not paid and not cancelled: the hold expired (abandoned, late, or its payment refused). */
const expired = (h: Hold) => !tells(h, "paid") && !tells(h, "cancelled");
/**
 * When a hold ended unpaid: when its cancel was sent (the stock goes back before the answer, so a
 * purchase answered before it may already have it), else at its deadline.
 */
const endOf = (h: Hold) => tells(h, "cancelled") ? h.sentAt! : h.deadline;

/**
 * Each hold that ended unpaid is matched, in the order they ended, with the first SUCCESS answered
 * after its end that no earlier end took: the time between is how long its stock took to sell
 * again (the expiry worker's delay included, for an expired one).
 */
export function resale(holds: Hold[], successes: number[]): Resale {
  const ends = holds.filter((h) => !tells(h, "paid")).map(endOf).sort((a, b) => a - b);
  const wins = successes.toSorted((a, b) => a - b);
  const delays: number[] = [];
  let j = 0;
  for (const end of ends) {
    while (j < wins.length && wins[j]! <= end) j++;
    if (j === wins.length) break;
    delays.push((wins[j++]! - end) / 1000);
  }
  delays.sort((a, b) => a - b);
  return {
    returned: ends.length,
    soldAgain: delays.length,
    p50: percentile(delays, 0.5),
    p99: percentile(delays, 0.99),
    max: delays.at(-1) ?? 0,
  };
}

export function figures(
  holdSeconds: number,
  holds: Hold[],
  successes: number[],
  requests: Summary,
): CheckoutReport {
  const count = (p: (h: Hold) => boolean) => holds.filter(p).length;
  return {
    holdSeconds,
    won: count((h) => !h.later),
    wonLater: count((h) => h.later),
    paid: count((h) => tells(h, "paid")),
    cancelled: count((h) => tells(h, "cancelled")),
    expired: count(expired),
    late: count((h) => h.fate === "late"),
    lateRefused: count((h) => h.fate === "late" && tells(h, "HOLD_EXPIRED")),
    redelivered: count((h) => h.redelivery !== null),
    resale: resale(holds, successes),
    requests,
  };
}

/** A payment sent this long before its deadline must be applied: more than any answer takes. */
const IN_TIME_MS = 1000;

/**
 * The checkout checks, on top of the usual ones (I1-I5, which count live orders): what the
 * payments and cancels were told, the admin stats against the runner's log, and in PostgreSQL
 * (given its rows) I6-I8. I7's "exactly once" is two checks: every ended hold was released
 * (`released_at` set), and no stock came back twice (the usual remaining == total − sold).
 */
export function checkoutChecks(
  holds: Hold[],
  stats: CheckoutStats,
  rows: OrderRow[] | null,
  events: PaymentEventRow[] | null,
): Check[] {
  const inTime = holds.filter((h) =>
    h.fate === "pay" && h.sentAt !== null && h.sentAt < h.deadline - IN_TIME_MS
  );
  const notApplied = inTime.filter((h) => !tells(h, "paid")).length;
  const redelivered = holds.filter((h) => h.redelivery !== null);
  const redeliveryBroken = redelivered.filter((h) => h.redelivery !== "paid").length;
  const cancels = holds.filter((h) => h.fate === "cancel");
  const notCancelled = cancels.filter((h) => !tells(h, "cancelled")).length;
  const late = holds.filter((h) => h.fate === "late");
  const lateAccepted = late.filter((h) => !tells(h, "HOLD_EXPIRED")).length;
  const refused = holds.filter((h) => tells(h, "HOLD_EXPIRED"));
  const listed = new Set(stats.latePayments.map((p) => p.eventId));
  const unlisted = refused.filter((h) => !listed.has(h.eventId!)).length;
  const expected = {
    held: 0,
    paid: holds.filter((h) => tells(h, "paid")).length,
    expired: holds.filter(expired).length,
    cancelled: holds.filter((h) => tells(h, "cancelled")).length,
  };
  const h = stats.holds;
  const checks: Check[] = [
    tallied(
      "every payment sent within its hold was applied",
      inTime.length,
      notApplied,
      `${notApplied} of ${inTime.length} not paid`,
    ),
    tallied(
      "a payment event sent again answers the same paid order",
      redelivered.length,
      redeliveryBroken,
      `${redeliveryBroken} of ${redelivered.length} otherwise`,
    ),
    tallied(
      "every cancel within the hold cancelled it",
      cancels.length,
      notCancelled,
      `${notCancelled} of ${cancels.length} not cancelled`,
    ),
    tallied(
      "every payment after its hold ended was told 409 HOLD_EXPIRED",
      late.length,
      lateAccepted,
      `${lateAccepted} of ${late.length} otherwise`,
    ),
    tallied(
      "every 409 HOLD_EXPIRED is listed in the admin stats' latePayments",
      refused.length,
      unlisted,
      `${unlisted} of ${refused.length} missing`,
    ),
    {
      name:
        `admin stats: held ${h?.held}, paid ${h?.paid}, expired ${h?.expired}, cancelled ${h?.cancelled} == the runner's ${expected.held}, ${expected.paid}, ${expected.expired}, ${expected.cancelled}`,
      ok: h !== null && h.held === expected.held && h.paid === expected.paid &&
        h.expired === expected.expired && h.cancelled === expected.cancelled,
    },
  ];
  if (rows === null || events === null) return checks;

  const byId = new Map(rows.map((r) => [r.id, r]));
  const paidRows = rows.filter((r) => r.status === "paid" || r.paid);
  const bothPaidAndReleased = paidRows.filter((r) => r.released).length;
  const endedRows = rows.filter((r) => !isLive(r));
  const unreleased = endedRows.filter((r) => !r.released).length;
  const liveReleased = rows.filter((r) => isLive(r) && r.released).length;
  const told = holds.filter((x) => tells(x, "paid"));
  const notPaidInDb = told.filter((x) => byId.get(x.orderId)?.status !== "paid").length;
  const applied = new Map<string, number>();
  for (const e of events) {
    if (e.outcome === "paid") applied.set(e.orderId, (applied.get(e.orderId) ?? 0) + 1);
  }
  const appliedTwice = [...applied.values()].filter((n) => n > 1).length;
  const lateEvents = new Set(events.filter((e) => e.outcome === "late").map((e) => e.id));
  const notLate = refused.filter((x) => !lateEvents.has(x.eventId!)).length;
  checks.push(
    tallied(
      "PostgreSQL: every order told paid is paid",
      told.length,
      notPaidInDb,
      `${notPaidInDb} of ${told.length} otherwise`,
    ),
    tallied(
      "PostgreSQL: no order is both paid and released (I6)",
      paidRows.length,
      bothPaidAndReleased,
      `${bothPaidAndReleased} of ${paidRows.length} paid orders`,
    ),
    tallied(
      "PostgreSQL: every expired or cancelled order was released, no live one (I7)",
      endedRows.length,
      unreleased + liveReleased,
      `${unreleased} of ${endedRows.length} ended orders not released, ${liveReleased} live released`,
    ),
    tallied(
      "PostgreSQL: every payment event applied at most once (I8)",
      applied.size,
      appliedTwice,
      `${appliedTwice} of ${applied.size} paid orders paid by two events`,
    ),
    tallied(
      "PostgreSQL: every 409 HOLD_EXPIRED is recorded as a late payment",
      refused.length,
      notLate,
      `${notLate} of ${refused.length} missing`,
    ),
  );
  return checks;
}
