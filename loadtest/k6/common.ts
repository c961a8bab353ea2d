/**
 * What the k6 scripts share: configuration from `__ENV`, the sale each run creates in `setup()`,
 * the purchase request, and the invariant checks `teardown()` makes through the admin stats.
 */
import { check, fail, sleep } from "k6";
import http from "k6/http";
import { Counter } from "k6/metrics";

export const API_URL = (__ENV.API_URL ?? "http://localhost:8000").replace(
  /\/+$/,
  "",
);
export const STOCK = Number(__ENV.STOCK ?? 100);
const ADMIN_TOKEN = __ENV.ADMIN_TOKEN ?? "";

/** Answers that acknowledged an order; teardown compares their count with PostgreSQL's. */
export const confirmed = new Counter("purchases_confirmed");
/** Acknowledged orders the public API did not show as the shopper's order right after. */
export const unconfirmed = new Counter("purchases_not_found");

export interface SaleRun {
  saleId: number;
  /** Tells this run's shoppers apart from any other run's. */
  runId: string;
}

function adminHeaders() {
  return {
    authorization: `Bearer ${ADMIN_TOKEN}`,
    "content-type": "application/json",
  };
}

/**
 * setup(): a sale of the run's own, live now, with STOCK items, one per shopper; with checkout
 * holds of `holdSeconds` when given.
 */
export function createSale(name: string, holdSeconds?: number): SaleRun {
  if (!ADMIN_TOKEN) fail("ADMIN_TOKEN must be set (k6 run -e ADMIN_TOKEN=...)");
  const now = Date.now();
  const res = http.post(
    `${API_URL}/api/admin/sales`,
    JSON.stringify({
      name: `k6 ${name} ${new Date(now).toISOString()}`,
      totalStock: STOCK,
      perUserLimit: 1,
      startTime: new Date(now - 1000).toISOString(),
      endTime: new Date(now + 3_600_000).toISOString(),
      ...(holdSeconds === undefined ? {} : { checkout: { holdSeconds } }),
    }),
    { headers: adminHeaders() },
  );
  if (res.status !== 201) {
    fail(`could not create the sale: ${res.status} ${String(res.body)}`);
  }
  const saleId = res.json("id");
  if (typeof saleId !== "number") {
    fail(`the created sale has no id: ${String(res.body)}`);
  }
  return { saleId, runId: now.toString(36) };
}

export interface PurchaseAnswer {
  status: number;
  result: string;
  orderId: string | null;
  /** A checkout sale's hold: until when (epoch ms) the order is held unpaid. */
  holdExpiresAt: number | null;
}

function answerOf(
  res: { status: number; json(selector?: string): unknown },
): PurchaseAnswer {
  let result = `HTTP_${res.status}`;
  let orderId: string | null = null;
  let holdExpiresAt: number | null = null;
  try {
    const body = res.json() as {
      result?: unknown;
      order?: { id?: unknown; holdExpiresAt?: unknown };
    };
    if (typeof body.result === "string") result = body.result;
    if (typeof body.order?.id === "string") orderId = body.order.id;
    if (typeof body.order?.holdExpiresAt === "string") {
      holdExpiresAt = Date.parse(body.order.holdExpiresAt);
    }
  } catch { /* not JSON: the status names it */ }
  return { status: res.status, result, orderId, holdExpiresAt };
}

/**
 * A purchase's 409 (already purchased) and 410 (sold out) are answers, not failures, so
 * http_req_failed counts only what a flash sale must never answer (5xx, 400, no answer). Set per
 * request, not with http.setResponseCallback: that would replace k6's default (200-399) for every
 * request, and the 200s of the order lookups and the stats reads would count as failed.
 */
const purchaseAnswered = http.expectedStatuses(201, 202, 409, 410);

function purchaseRequest(run: SaleRun, userId: string) {
  return {
    method: "POST" as const,
    url: `${API_URL}/api/sales/${run.saleId}/purchase`,
    body: JSON.stringify({ userId, quantity: 1 }),
    params: {
      headers: { "content-type": "application/json" },
      tags: { name: "purchase" },
      responseCallback: purchaseAnswered,
    },
  };
}

/**
 * A SUCCESS (201) is answered after its row is committed, so the shopper's order must be there
 * right away; a PENDING (202) is committed later by the outbox sweeper and is only counted.
 */
function confirm(run: SaleRun, userId: string, answer: PurchaseAnswer): void {
  if (answer.result !== "SUCCESS" && answer.result !== "PENDING") return;
  confirmed.add(1);
  if (answer.result !== "SUCCESS") return;
  const res = http.get(
    `${API_URL}/api/sales/${run.saleId}/orders/${encodeURIComponent(userId)}`,
    {
      tags: { name: "order lookup" },
    },
  );
  const found = res.status === 200 && res.json("order.id") === answer.orderId;
  if (!found) unconfirmed.add(1);
  check(found, { "a SUCCESS is the shopper's order in the API": (ok) => ok });
}

const ANSWERED = new Set([
  "SUCCESS",
  "PENDING",
  "ALREADY_PURCHASED",
  "SOLD_OUT",
]);

/** One click of the buy button. */
export function purchase(run: SaleRun, userId: string): PurchaseAnswer {
  const req = purchaseRequest(run, userId);
  const answer = answerOf(http.post(req.url, req.body, req.params));
  check(answer, { "the purchase is answered": (a) => ANSWERED.has(a.result) });
  confirm(run, userId, answer);
  return answer;
}

/** `clicks` clicks of one shopper at once (k6 sends a batch in parallel). */
export function storm(
  run: SaleRun,
  userId: string,
  clicks: number,
): PurchaseAnswer[] {
  const req = purchaseRequest(run, userId);
  const answers = http.batch(Array.from({ length: clicks }, () => req)).map(
    answerOf,
  );
  const acks = answers.filter((a) => a.result === "SUCCESS" || a.result === "PENDING");
  const ids = new Set(
    answers.map((a) => a.orderId).filter((id) => id !== null),
  );
  check(answers, {
    "every click is answered": (all) => all.every((a) => ANSWERED.has(a.result)),
    "a shopper is acknowledged at most once": () => acks.length <= 1,
    "a shopper is told of one order at most": () => ids.size <= 1,
  });
  const [ack] = acks;
  if (ack) confirm(run, userId, ack);
  return answers;
}

export interface Stats {
  sold: number;
  orders: number;
  remainingStock: number;
  sale: { totalStock: number };
}

/**
 * The sale's admin stats once the server has settled (Redis remaining + PostgreSQL sold == total,
 * and `also` holds), or the last read after 30 s; null when none could be read.
 */
export function settledStats<S extends Stats>(run: SaleRun, also: (s: S) => boolean): S | null {
  let stats: S | null = null;
  for (let i = 0; i < 120; i++) {
    const res = http.get(`${API_URL}/api/admin/sales/${run.saleId}/stats`, {
      headers: adminHeaders(),
      tags: { name: "stats" },
    });
    if (res.status === 200) {
      stats = res.json() as unknown as S;
      if (stats.sold + stats.remainingStock === stats.sale.totalStock && also(stats)) break;
    }
    sleep(0.25);
  }
  return stats;
}

/**
 * teardown(): once the server has settled (Redis remaining + PostgreSQL sold == total, or 30 s),
 * the invariants through the admin stats; any breach fails the run.
 */
export function verify(run: SaleRun, expectedSold: number): void {
  const stats = settledStats(run, () => true);
  if (!stats) fail("could not read the sale's stats");
  const s = stats;
  const ok = check(s, {
    [`sold == min(stock, distinct shoppers) = ${expectedSold}`]: (x) => x.sold === expectedSold,
    "remaining == total - sold": (x) => x.remainingStock === x.sale.totalStock - x.sold,
    "one order per shopper (orders == items sold)": (x) => x.orders === x.sold,
    "no oversell": (x) => x.sold <= x.sale.totalStock,
  });
  if (!ok) {
    fail(
      `invariant breach on sale ${run.saleId}: ${JSON.stringify(s)}, expected ${expectedSold}`,
    );
  }
}
