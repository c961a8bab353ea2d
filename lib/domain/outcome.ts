import { errorBody, type ErrorCode, ERRORS, originalErrorBody } from "./errors.ts";
import { type Order, orderJson } from "./order.ts";
import type { SaleStatus } from "./sale.ts";

/** purchase.lua's reply codes (the first element of its reply; its header says what follows). */
export const LUA_REPLY = {
  RESERVED: 1,
  ALREADY_PURCHASED: 2,
  SOLD_OUT: 3,
  NOT_STARTED: 4,
  ENDED: 5,
  QUANTITY_OVER_LIMIT: 6,
  SALE_REBUILDING: 7,
  RATE_LIMITED: 8,
  ADMISSION_REQUIRED: 9,
  ADMISSION_INVALID: 10,
} as const;

/** Every way a purchase attempt ends; only faults (Redis down) throw. */
export type PurchaseOutcome =
  | { result: "SUCCESS"; order: Order; remainingStock: number }
  | { result: "PENDING"; order: Order; remainingStock: number }
  | { result: "ALREADY_PURCHASED"; order: Order }
  | { result: "SOLD_OUT"; remainingStock: number }
  | { result: "SALE_NOT_ACTIVE"; status: SaleStatus }
  | { result: "SALE_NOT_FOUND" }
  | { result: "QUANTITY_OVER_LIMIT"; limit: number }
  | { result: "SALE_REBUILDING" }
  /** Reserved, but the sale was reset before the order was written: answered as rebuilding. */
  | { result: "VOIDED" }
  | { result: "RATE_LIMITED"; retryAfterMs: number }
  /** The sale has a waiting room: no admission given. */
  | { result: "ADMISSION_REQUIRED" }
  /** Forged, another shopper's or sale's, expired or already used. */
  | { result: "ADMISSION_INVALID" };

export type PurchaseResult = PurchaseOutcome["result"];
type OutcomeOf<R extends PurchaseResult> = Extract<PurchaseOutcome, { result: R }>;

interface Row<R extends PurchaseResult> {
  /** The purchase.lua replies that can end this way ([] when decided before the script). */
  lua: readonly number[];
  /** HTTP status on the JSON API and on the original platform's routes (which answered 200). */
  api: number;
  original: number;
  message: string | ((outcome: OutcomeOf<R>) => string);
  /** The `result` label of flashsale_purchases_total. */
  metric: PurchaseResult;
  /**
   * Answered with only the standard error object of this code (lib/domain/errors.ts), as every fault of
   * the request or of the moment is, with Retry-After when the client may retry.
   */
  error?: ErrorCode;
}

/** The one table every hop reads: the gate's reply, the service's result, metric and answer. */
export const OUTCOMES: { readonly [R in PurchaseResult]: Row<R> } = {
  SUCCESS: {
    lua: [LUA_REPLY.RESERVED],
    api: 201,
    original: 200,
    message: (o) =>
      o.order.status === "held"
        ? "Reserved for you: pay before the hold ends, or the item goes back to the stock."
        : "Purchase confirmed.",
    metric: "SUCCESS",
  },
  PENDING: {
    lua: [LUA_REPLY.RESERVED],
    api: 202,
    original: 202,
    message: "Your item is reserved; the order is being confirmed.",
    metric: "PENDING",
  },
  ALREADY_PURCHASED: {
    lua: [LUA_REPLY.RESERVED, LUA_REPLY.ALREADY_PURCHASED],
    api: 409,
    original: 409,
    message: "You already have an order in this sale.",
    metric: "ALREADY_PURCHASED",
  },
  SOLD_OUT: {
    lua: [LUA_REPLY.SOLD_OUT],
    api: 410,
    original: 410,
    message: "Sold out.",
    metric: "SOLD_OUT",
  },
  SALE_NOT_ACTIVE: {
    lua: [LUA_REPLY.NOT_STARTED, LUA_REPLY.ENDED],
    api: 403,
    original: 403,
    message: (o) =>
      o.status === "UPCOMING" ? "The sale has not started yet." : "The sale has ended.",
    metric: "SALE_NOT_ACTIVE",
  },
  SALE_NOT_FOUND: {
    lua: [],
    api: 404,
    original: 404,
    message: "No such sale.",
    metric: "SALE_NOT_FOUND",
  },
  QUANTITY_OVER_LIMIT: {
    lua: [LUA_REPLY.QUANTITY_OVER_LIMIT],
    api: ERRORS.QUANTITY_OVER_LIMIT.status,
    original: ERRORS.QUANTITY_OVER_LIMIT.status,
    message: (o) => `The quantity is above the per-shopper limit of ${o.limit}.`,
    metric: "QUANTITY_OVER_LIMIT",
    error: "QUANTITY_OVER_LIMIT",
  },
  SALE_REBUILDING: {
    lua: [LUA_REPLY.SALE_REBUILDING],
    api: ERRORS.SALE_REBUILDING.status,
    original: ERRORS.SALE_REBUILDING.status,
    message: ERRORS.SALE_REBUILDING.message,
    metric: "SALE_REBUILDING",
    error: "SALE_REBUILDING",
  },
  // The shopper's retry meets the rebuilt sale, so it is said and counted as rebuilding.
  VOIDED: {
    lua: [LUA_REPLY.RESERVED],
    api: ERRORS.SALE_REBUILDING.status,
    original: ERRORS.SALE_REBUILDING.status,
    message: ERRORS.SALE_REBUILDING.message,
    metric: "SALE_REBUILDING",
    error: "SALE_REBUILDING",
  },
  RATE_LIMITED: {
    lua: [LUA_REPLY.RATE_LIMITED],
    api: ERRORS.RATE_LIMITED.status,
    original: ERRORS.RATE_LIMITED.status,
    message: ERRORS.RATE_LIMITED.message,
    metric: "RATE_LIMITED",
    error: "RATE_LIMITED",
  },
  ADMISSION_REQUIRED: {
    lua: [LUA_REPLY.ADMISSION_REQUIRED],
    api: ERRORS.ADMISSION_REQUIRED.status,
    original: ERRORS.ADMISSION_REQUIRED.status,
    message: ERRORS.ADMISSION_REQUIRED.message,
    metric: "ADMISSION_REQUIRED",
    error: "ADMISSION_REQUIRED",
  },
  ADMISSION_INVALID: {
    lua: [LUA_REPLY.ADMISSION_INVALID],
    api: ERRORS.ADMISSION_INVALID.status,
    original: ERRORS.ADMISSION_INVALID.status,
    message: ERRORS.ADMISSION_INVALID.message,
    metric: "ADMISSION_INVALID",
    error: "ADMISSION_INVALID",
  },
};

/** Which routes answer: the JSON API, or the original platform's (`POST /purchase`). */
export type Surface = "api" | "original";

export interface PurchaseAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

function messageOf<R extends PurchaseResult>(outcome: OutcomeOf<R>): string {
  const message = (OUTCOMES[outcome.result] as Row<R>).message;
  return typeof message === "string" ? message : message(outcome);
}

/**
 * The purchase answer `{result, message, order?, remainingStock?}`. Refusals also carry the
 * standard `error` object, so clients that only know the error shape read them too. Rows with an
 * `error` code answer with that code's error shape alone, the way every error of their route is.
 */
export function purchaseAnswer(outcome: PurchaseOutcome, surface: Surface): PurchaseAnswer {
  const row = OUTCOMES[outcome.result];
  const status = row[surface];
  const message = messageOf(outcome);
  if (row.error) {
    const retryAfterS = outcome.result === "RATE_LIMITED"
      ? Math.ceil(outcome.retryAfterMs / 1000)
      : status === 503
      ? 1
      : undefined;
    const shape = surface === "original" ? originalErrorBody : errorBody;
    return {
      status,
      body: shape(row.error, message),
      headers: retryAfterS === undefined ? {} : { "retry-after": String(retryAfterS) },
    };
  }
  const body: Record<string, unknown> = { result: outcome.result, message };
  if ("order" in outcome) body.order = orderJson(outcome.order);
  if ("remainingStock" in outcome) body.remainingStock = outcome.remainingStock;
  if (outcome.result === "PENDING") body.status = "pending";
  if (status >= 400) body.error = { code: outcome.result, message };
  return { status, body, headers: {} };
}

const SOLD_OUT_BODY = JSON.stringify(
  purchaseAnswer({ result: "SOLD_OUT", remainingStock: 0 }, "api").body,
);

/** The answer to every attempt once a sale is sold out, serialised once (the hottest refusal). */
export function soldOutResponse(): Response {
  return new Response(SOLD_OUT_BODY, {
    status: OUTCOMES.SOLD_OUT.api,
    headers: { "content-type": "application/json" },
  });
}
