import { AppError } from "../errors.ts";
import { orderJson } from "../orders/order.ts";
import type { PurchaseOutcome } from "./purchase.ts";

const MESSAGES = {
  SUCCESS: "Purchase confirmed.",
  PENDING: "Your item is reserved; the order is being confirmed.",
  ALREADY_PURCHASED: "You already have an order in this sale.",
  SOLD_OUT: "Sold out.",
  SALE_NOT_ACTIVE: "The sale is not active.",
  SALE_NOT_FOUND: "No such sale.",
} as const;

type Answered = keyof typeof MESSAGES;

/** HTTP status per result: the JSON API's and the original platform's (which answered 200). */
export const API_STATUS: Record<Answered, number> = {
  SUCCESS: 201,
  PENDING: 202,
  ALREADY_PURCHASED: 409,
  SOLD_OUT: 410,
  SALE_NOT_ACTIVE: 403,
  SALE_NOT_FOUND: 404,
};
export const SEED_STATUS: Record<Answered, number> = { ...API_STATUS, SUCCESS: 200 };

/**
 * The purchase answer `{result, message, order?, remainingStock?}`. Refusals also carry the
 * standard `error` object, so clients that only know the error shape read them too. Outcomes that
 * are faults of the request or of the moment (over the limit, rebuilding) throw their AppError.
 */
export function purchaseAnswer(outcome: PurchaseOutcome, statuses: Record<Answered, number>) {
  if (outcome.result === "OVER_LIMIT") {
    throw new AppError(
      "QUANTITY_OVER_LIMIT",
      `The quantity is above the per-shopper limit of ${outcome.limit}.`,
    );
  }
  if (outcome.result === "REBUILDING") throw new AppError("SALE_REBUILDING");
  if (outcome.result === "RATE_LIMITED") {
    const seconds = Math.ceil(outcome.retryAfterMs / 1000);
    throw new AppError("RATE_LIMITED", undefined, undefined, seconds);
  }
  const status = statuses[outcome.result];
  const message = outcome.result === "SALE_NOT_ACTIVE"
    ? (outcome.status === "UPCOMING" ? "The sale has not started yet." : "The sale has ended.")
    : MESSAGES[outcome.result];
  const body: Record<string, unknown> = { result: outcome.result, message };
  if ("order" in outcome) body.order = orderJson(outcome.order);
  if ("remainingStock" in outcome) body.remainingStock = outcome.remainingStock;
  if (outcome.result === "PENDING") body.status = "pending";
  if (status >= 400) body.error = { code: outcome.result, message };
  return { status, body };
}

const SOLD_OUT_BODY = JSON.stringify(
  purchaseAnswer({ result: "SOLD_OUT", remainingStock: 0 }, API_STATUS).body,
);

/** The answer to every attempt once a sale is sold out, serialised once (the hottest refusal). */
export function soldOutResponse(): Response {
  return new Response(SOLD_OUT_BODY, {
    status: API_STATUS.SOLD_OUT,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}
