/**
 * Checkout holds (DESIGN §9): a sale whose orders are held for HOLD_SECONDS (default 30, the least
 * the API allows) until paid. SHOPPERS shoppers (default 300), CONCURRENCY at a time (default 100),
 * each clicking twice at once, rush STOCK items (default 100); each winner then, by its number:
 * pays within the hold through the signed payment webhook (55 %; a third of them send the event
 * twice), never pays (30 %: the hold expires), cancels (10 %), or pays a second after the hold
 * ended (5 %: must be told 409 HOLD_EXPIRED). Meanwhile LATER_SHOPPERS clients (default 5) keep
 * buying as new shoppers until the holds have long ended, paying at once when they win, so the
 * stock that comes back sells again. Teardown reads every rush shopper's order and the admin stats.
 *
 *   deno task k6 checkout     (API_URL, ADMIN_TOKEN, PAYMENT_WEBHOOK_SECRET, SHOPPERS, CONCURRENCY,
 *                              STOCK, HOLD_SECONDS, LATER_SHOPPERS from the environment)
 */
import { check, fail, sleep } from "k6";
import { hmac } from "k6/crypto";
import exec from "k6/execution";
import http from "k6/http";
import type { Options } from "k6/options";
import {
  API_URL,
  createSale,
  purchase,
  type SaleRun,
  settledStats,
  type Stats,
  STOCK,
  storm,
} from "./common.ts";

const SHOPPERS = Number(__ENV.SHOPPERS ?? 300);
const HOLD_SECONDS = Number(__ENV.HOLD_SECONDS ?? 30);
const SECRET = __ENV.PAYMENT_WEBHOOK_SECRET ?? "";

export const options: Options = {
  scenarios: {
    rush: {
      executor: "shared-iterations",
      exec: "rush",
      vus: Number(__ENV.CONCURRENCY ?? 100),
      iterations: SHOPPERS,
      // Late payers wait for their hold to end.
      maxDuration: `${HOLD_SECONDS + 30}s`,
    },
    later: {
      executor: "constant-vus",
      exec: "later",
      vus: Number(__ENV.LATER_SHOPPERS ?? 5),
      startTime: "2s",
      // Past the rush's holds, their expiry and the expiry worker's step.
      duration: `${HOLD_SECONDS + 10}s`,
    },
  },
  teardownTimeout: "2m",
  thresholds: {
    checks: ["rate==1"],
    http_req_failed: ["rate==0"],
    "http_req_duration{name:purchase}": ["p(99)<2000"],
    "http_req_duration{name:payment}": ["p(99)<1000"],
    purchases_not_found: ["count==0"],
  },
};

type Fate = "pay" | "abandon" | "cancel" | "late";

/** What the rush's shopper `i` does with a hold it wins: 55 % pay, 30 % abandon, 10 % cancel, 5 % late. */
function fateOf(i: number): Fate {
  const u = i % 20;
  return u < 6 ? "abandon" : u < 8 ? "cancel" : u === 8 ? "late" : "pay";
}

const rushShopper = (run: SaleRun, i: number) => `k6-checkout-${run.runId}-${i}`;

interface Told {
  status: number;
  /** The order's status on a 200, else the error's code. */
  said: string;
}

function toldOf(res: { status: number; json(selector?: string): unknown }): Told {
  let said = `HTTP_${res.status}`;
  try {
    const body = res.json() as { order?: { status?: unknown }; error?: { code?: unknown } };
    if (res.status === 200 && typeof body.order?.status === "string") said = body.order.status;
    else if (typeof body.error?.code === "string") said = body.error.code;
  } catch { /* not JSON: the status names it */ }
  return { status: res.status, said };
}

/** A payment as the provider sends it: `Payment-Signature: t=<s>,v1=<HMAC-SHA256 hex>`. */
function pay(orderId: string, eventId: string): Told {
  const body = JSON.stringify({ id: eventId, type: "payment.succeeded", orderId });
  const t = Math.floor(Date.now() / 1000);
  const signature = hmac("sha256", SECRET, `${t}.${body}`, "hex");
  return toldOf(http.post(`${API_URL}/api/payments/webhook`, body, {
    headers: { "content-type": "application/json", "payment-signature": `t=${t},v1=${signature}` },
    tags: { name: "payment" },
    // A late payment's 409 is the answer expected of it.
    responseCallback: http.expectedStatuses(200, 409),
  }));
}

function cancel(run: SaleRun, userId: string): Told {
  return toldOf(http.post(
    `${API_URL}/api/sales/${run.saleId}/orders/${encodeURIComponent(userId)}/cancel`,
    null,
    { tags: { name: "cancel" } },
  ));
}

export function setup(): SaleRun {
  if (!SECRET) {
    fail("PAYMENT_WEBHOOK_SECRET must be set to the server's: the script signs payments");
  }
  return createSale("checkout", HOLD_SECONDS);
}

export function rush(run: SaleRun): void {
  const i = exec.scenario.iterationInTest;
  const userId = rushShopper(run, i);
  const won = storm(run, userId, 2).find((a) => a.result === "SUCCESS");
  if (!won || won.orderId === null) return;
  const orderId = won.orderId;
  check(won, { "a hold has its deadline": (a) => a.holdExpiresAt !== null });
  const deadline = won.holdExpiresAt ?? Date.now();
  const withinHold = () => sleep(Math.random() * HOLD_SECONDS / 2);
  switch (fateOf(i)) {
    case "abandon":
      return;
    case "cancel": {
      withinHold();
      const told = cancel(run, userId);
      check(told, { "a cancel within the hold cancels it": (t) => t.said === "cancelled" });
      return;
    }
    case "late": {
      sleep(Math.max(0, deadline + 1000 - Date.now()) / 1000);
      const told = pay(orderId, `k6-late-${orderId}`);
      check(told, {
        "a payment after the hold ended is told 409 HOLD_EXPIRED": (t) =>
          t.status === 409 && t.said === "HOLD_EXPIRED",
      });
      return;
    }
    case "pay": {
      withinHold();
      const eventId = `k6-pay-${orderId}`;
      check(pay(orderId, eventId), { "a payment within the hold pays": (t) => t.said === "paid" });
      if (i % 3 === 0) {
        check(pay(orderId, eventId), {
          "the same payment event again answers the paid order": (t) => t.said === "paid",
        });
      }
    }
  }
}

/** A new shopper every tenth of a second per client, paying at once when it wins. */
export function later(run: SaleRun): void {
  const a = purchase(run, `k6-checkout-${run.runId}-later-${__VU}-${__ITER}`);
  if (a.result === "SUCCESS" && a.orderId !== null) {
    check(pay(a.orderId, `k6-pay-${a.orderId}`), {
      "a later shopper's payment pays": (t) => t.said === "paid",
    });
  }
  sleep(0.1);
}

interface HoldStats extends Stats {
  holds: { held: number; paid: number; expired: number; cancelled: number } | null;
  latePayments: { eventId: string; orderId: string }[];
}

/** Every rush shopper's order as the API has it now (null: they never won), 50 reads at a time. */
function rushOrders(run: SaleRun): ({ id: string; status: string } | null)[] {
  const orders: ({ id: string; status: string } | null)[] = [];
  for (let from = 0; from < SHOPPERS; from += 50) {
    const reads = Array.from({ length: Math.min(50, SHOPPERS - from) }, (_, k) => ({
      method: "GET" as const,
      url: `${API_URL}/api/sales/${run.saleId}/orders/${
        encodeURIComponent(rushShopper(run, from + k))
      }`,
      params: {
        tags: { name: "order lookup" },
        responseCallback: http.expectedStatuses(200, 404),
      },
    }));
    for (const res of http.batch(reads)) {
      orders.push(
        res.status === 200 ? res.json("order") as unknown as { id: string; status: string } : null,
      );
    }
  }
  return orders;
}

/** What each fate leaves a won order as. */
const LEAVES: Record<Fate, string> = {
  pay: "paid",
  abandon: "expired",
  cancel: "cancelled",
  late: "expired",
};

/**
 * Once every hold has ended and the stock has settled: it all sold again and is paid, each rush
 * shopper's order is in the state its fate leaves it, the admin stats count the same, and the late
 * payments listed are exactly the late payers' own.
 */
export function teardown(run: SaleRun): void {
  const stats = settledStats<HoldStats>(run, (s) => s.holds?.held === 0);
  if (!stats?.holds) fail("could not read the sale's stats and holds");
  const s = stats;
  const holds = s.holds!;
  const orders = rushOrders(run);
  let won = 0;
  let astray = 0;
  const ended = { expired: 0, cancelled: 0 };
  const lateOrders: string[] = [];
  orders.forEach((order, i) => {
    if (!order) return;
    won++;
    if (order.status !== LEAVES[fateOf(i)]) astray++;
    if (order.status === "expired") ended.expired++;
    if (order.status === "cancelled") ended.cancelled++;
    if (fateOf(i) === "late") lateOrders.push(order.id);
  });
  const listed = new Set(s.latePayments.map((p) => p.orderId));
  const ok = check(s, {
    [`the stock sold again to the last item: sold == stock ${STOCK}`]: (x) => x.sold === STOCK,
    "remaining == total - sold": (x) => x.remainingStock === x.sale.totalStock - x.sold,
    "one order per shopper, no oversell (orders == sold <= total)": (x) =>
      x.orders === x.sold && x.sold <= x.sale.totalStock,
    "nothing still held; every live order paid (paid == sold)": () =>
      holds.held === 0 && holds.paid === s.sold,
    [`every rush shopper's order is as its fate leaves it (${astray} of ${won} otherwise)`]: () =>
      won > 0 && astray === 0,
    [`admin stats: expired ${holds.expired}, cancelled ${holds.cancelled} == the rush's ${ended.expired}, ${ended.cancelled}`]:
      () => holds.expired === ended.expired && holds.cancelled === ended.cancelled,
    [`the late payments listed are the ${lateOrders.length} late payers' (${s.latePayments.length} listed)`]:
      () =>
        lateOrders.length > 0 && s.latePayments.length === lateOrders.length &&
        lateOrders.every((id) => listed.has(id)),
  });
  if (!ok) {
    fail(`invariant breach on sale ${run.saleId}: ${JSON.stringify({ ...s, sale: undefined })}`);
  }
}
