import { assert, assertEquals } from "../helpers/assert.ts";
import { type Evidence, judge, type OrderRow } from "../../loadtest/invariants.ts";
import type { Attempt } from "../../loadtest/driver.ts";
import { queueChecks } from "../../loadtest/queue_figures.ts";
import {
  checkoutChecks,
  type CheckoutStats,
  type Fate,
  type Hold,
  type PaymentEventRow,
  resale,
} from "../../loadtest/checkout_figures.ts";
import { parseStages, targetAt } from "../../loadtest/scenarios.ts";
import { percentile, Recorder, sliceWidthMs } from "../../loadtest/stats.ts";

const ok = (userId: string, orderId: string): Attempt => ({
  userId,
  status: 201,
  result: "SUCCESS",
  orderId,
});
/** A confirmed order's row, as PostgreSQL has it (a sale without checkout). */
const row = (id: string, userId: string): OrderRow => ({
  id,
  userId,
  quantity: 1,
  status: "confirmed",
  released: false,
  paid: false,
});
const soldOut = (userId: string): Attempt => ({
  userId,
  status: 410,
  result: "SOLD_OUT",
  orderId: null,
});

/** Two items, three shoppers: a and b bought, c was told sold out. Everything agrees. */
function clean(): Evidence {
  return {
    before: { total: 2, sold: 0, orders: 0, remaining: 2 },
    quantity: 1,
    shoppers: 3,
    attempts: [ok("a", "o1"), ok("b", "o2"), soldOut("c")],
    after: { total: 2, sold: 2, orders: 2, remaining: 0 },
    rows: [
      row("o1", "a"),
      row("o2", "b"),
    ],
    missingInApi: 0,
  };
}

const failed = (e: Evidence) => judge(e).filter((c) => !c.ok).map((c) => c.name.split(" (")[0]);

Deno.test("the load runner's judge passes a clean run and names each breach", () => {
  assertEquals(failed(clean()), []);

  const oversold = clean();
  oversold.rows!.push(row("o3", "c"));
  oversold.after = { total: 2, sold: 3, orders: 3, remaining: -1 };
  assertEquals(failed(oversold), [
    "sold 3 == min(stock, distinct shoppers × quantity) 2",
    "PostgreSQL: no oversell",
    "PostgreSQL: no refused shopper has an order",
  ]);

  const lost = clean();
  lost.rows = [row("o1", "a")];
  assertEquals(failed(lost), [
    "PostgreSQL: 1 items in 1 orders == the API's 2 in 2",
    "PostgreSQL: every SUCCESS is in PostgreSQL",
  ]);

  const twice = clean();
  twice.attempts.push(ok("a", "o9"));
  twice.rows!.push(row("o9", "a"));
  assertEquals(failed(twice), [
    "no shopper was acknowledged twice or told of two orders",
    "PostgreSQL: 3 items in 3 orders == the API's 2 in 2",
    "PostgreSQL: no oversell",
    "PostgreSQL: no shopper has two live orders",
  ]);

  const stuck = clean();
  stuck.after = { ...stuck.after, remaining: 1 };
  stuck.missingInApi = 1;
  stuck.attempts.push({ userId: "d", status: 0, result: "NETWORK_ERROR", orderId: null });
  stuck.shoppers = 4;
  assertEquals(failed(stuck), [
    "remaining 1 == total − sold 0",
    "every acknowledged order is the shopper's order in the API",
    "no 5xx or network errors",
  ]);
});

Deno.test("the judge expects whole orders only and leaves PostgreSQL out when not given", () => {
  // 5 items, 2 per order: 2 orders sell, 1 item is left that nobody may buy.
  const e: Evidence = {
    before: { total: 5, sold: 0, orders: 0, remaining: 5 },
    quantity: 2,
    shoppers: 10,
    attempts: [ok("a", "o1"), ok("b", "o2"), soldOut("c")],
    after: { total: 5, sold: 4, orders: 2, remaining: 1 },
    rows: null,
    missingInApi: 0,
  };
  assertEquals(judge(e).every((c) => c.ok && !c.name.startsWith("PostgreSQL")), true);
});

Deno.test("percentiles, slices and ramp stages", () => {
  assertEquals(percentile([], 0.5), 0);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assertEquals([0.5, 0.9, 0.99, 1].map((q) => percentile(hundred, q)), [50, 90, 99, 100]);
  assertEquals([500, 4_000, 30_000, 600_000].map(sliceWidthMs), [100, 100, 1000, 20_000]);

  const r = new Recorder(0);
  r.record(0, 10, "SUCCESS", false);
  r.record(100, 30, "SOLD_OUT", false);
  r.record(200, 50, "NETWORK_ERROR", true);
  const s = r.summary();
  assertEquals([s.requests, s.errors, s.p50, s.max], [3, 1, 30, 50]);
  assertEquals(s.outcomes, { NETWORK_ERROR: 1, SOLD_OUT: 1, SUCCESS: 1 });
  assertEquals(s.series.map((x) => x.rate), [10, 10, 10]);

  const stages = parseStages("10s:100,10s:100,5s:0");
  assertEquals([0, 5, 10, 15, 22.5, 25, 30].map((t) => targetAt(stages, t)), [
    0,
    50,
    100,
    100,
    50,
    0,
    0,
  ]);
});

Deno.test("a check that compared nothing fails and says so, in the judge and in the queue's checks", () => {
  // The sale was sold out before the run: its one shopper was refused, nothing was acknowledged.
  const e: Evidence = {
    before: { total: 2, sold: 2, orders: 2, remaining: 0 },
    quantity: 1,
    shoppers: 1,
    attempts: [soldOut("c")],
    after: { total: 2, sold: 2, orders: 2, remaining: 0 },
    rows: [
      row("o1", "a"),
      row("o2", "b"),
    ],
    missingInApi: 0,
  };
  const vacuous = judge(e).filter((c) => !c.ok);
  assertEquals(vacuous.map((c) => c.name.split(" (")[0]), [
    "every acknowledged order is the shopper's order in the API",
    "no shopper was acknowledged twice or told of two orders",
    "PostgreSQL: every SUCCESS is in PostgreSQL",
  ]);
  assert(vacuous.every((c) => c.name.endsWith("(nothing compared: it proves nothing)")));

  // Every admission in one step, all with the same expiry: no ordered pair to compare.
  const pairs = (concordant: number, discordant: number, tied: number) => ({
    tau: concordant + discordant === 0
      ? null
      : (concordant - discordant) / (concordant + discordant),
    concordant,
    discordant,
    tied,
  });
  const report = {
    afterStart: pairs(10, 0, 2),
    lineOrder: pairs(0, 0, 124_750),
    skippers: { clients: 4, purchases: 100, wins: 0 },
    ended: { waiting: 0, lost: 0 },
    requests: { requests: 20_000, errors: 0 },
  };
  const failing = (r: typeof report) =>
    queueChecks(r, 9500).filter((c) => !c.ok).map((c) => c.name);
  assertEquals(failing(report), [
    "admissions went out in the line's order (nothing compared: it proves nothing)",
  ]);
  assertEquals(failing({ ...report, lineOrder: pairs(124_750, 0, 0) }), []);
  assertEquals(failing({ ...report, lineOrder: pairs(124_749, 1, 0) }), [
    "admissions went out in the line's order (1 of 124750 ordered pairs reversed)",
  ]);
  // Skippers that made no purchase prove nothing either; none asked for leaves their check out.
  assertEquals(
    failing({ ...report, skippers: { clients: 4, purchases: 0, wins: 0 } }).length,
    1 + 1,
  );
  assertEquals(
    queueChecks({ ...report, skippers: { clients: 0, purchases: 0, wins: 0 } }, 9500)
      .some((c) => c.name.startsWith("clients skipping")),
    false,
  );
});

/** A hold of the checkout scenario, won at 0 with a deadline at 30 s, in the state its fate left. */
function hold(fate: Fate, told: string | null, n: number): Hold {
  return {
    userId: `u${n}`,
    orderId: `o${n}`,
    fate,
    later: false,
    wonAt: 0,
    deadline: 30_000,
    eventId: fate === "pay" || fate === "late" ? `e${n}` : null,
    sentAt: fate === "late" ? 31_000 : fate === "abandon" ? null : 5_000,
    told,
    redelivery: null,
  };
}

const checkoutRow = (n: number, status: string, released: boolean, paid: boolean): OrderRow => ({
  id: `o${n}`,
  userId: `u${n}`,
  quantity: 1,
  status,
  released,
  paid,
});

Deno.test("the checkout checks pass a clean run, name each breach, and fail what compared nothing", () => {
  const holds = [
    hold("pay", "paid", 1),
    hold("cancel", "cancelled", 2),
    hold("late", "HOLD_EXPIRED", 3),
    hold("abandon", null, 4),
  ];
  const stats: CheckoutStats = {
    holds: { held: 0, paid: 1, expired: 2, cancelled: 1 },
    latePayments: [{ eventId: "e3", orderId: "o3" }],
  };
  const rows = [
    checkoutRow(1, "paid", false, true),
    checkoutRow(2, "cancelled", true, false),
    checkoutRow(3, "expired", true, false),
    checkoutRow(4, "expired", true, false),
  ];
  const events: PaymentEventRow[] = [
    { id: "e1", orderId: "o1", outcome: "paid" },
    { id: "e3", orderId: "o3", outcome: "late" },
  ];
  const broken = (s: CheckoutStats, r: OrderRow[], e: PaymentEventRow[], h = holds) =>
    checkoutChecks(h, s, r, e).filter((c) => !c.ok).map((c) => c.name.split(" (")[0]);
  // "a payment event sent again" compared nothing: nobody redelivered.
  assertEquals(broken(stats, rows, events), [
    "a payment event sent again answers the same paid order",
  ]);
  const redelivered = holds.map((h) => h.fate === "pay" ? { ...h, redelivery: "paid" } : h);
  assertEquals(broken(stats, rows, events, redelivered), []);

  // Paid and released, an ended hold not released, paid by two events, a late payment unlisted.
  assertEquals(
    broken(
      { ...stats, latePayments: [] },
      [
        checkoutRow(1, "paid", true, true),
        checkoutRow(2, "cancelled", false, false),
        ...rows.slice(2),
      ],
      [...events, { id: "e1b", orderId: "o1", outcome: "paid" }],
      redelivered,
    ),
    [
      "every 409 HOLD_EXPIRED is listed in the admin stats' latePayments",
      "PostgreSQL: no order is both paid and released",
      "PostgreSQL: every expired or cancelled order was released, no live one",
      "PostgreSQL: every payment event applied at most once",
    ],
  );
});

Deno.test("returned stock is matched with the next SUCCESS after each hold's end", () => {
  const holds = [hold("cancel", "cancelled", 1), hold("abandon", null, 2), hold("pay", "paid", 3)];
  // The cancel ended at 5 s, the abandoned hold at 30 s; successes at 1 s (before both), 6 s, 32 s.
  const r = resale(holds, [32_000, 1_000, 6_000]);
  assertEquals([r.returned, r.soldAgain, r.p50, r.max], [2, 2, 1, 2]);
  assertEquals(resale(holds, [6_000]).soldAgain, 1);
});
