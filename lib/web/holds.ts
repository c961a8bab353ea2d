import { AppError, errorBody, ERRORS } from "../domain/errors.ts";
import { orderJson } from "../domain/order.ts";
import type { CancelAnswer, PaymentAnswer } from "../checkout/holds.ts";
import { json } from "./http.ts";

/**
 * A checkout answer (the payment webhook's, a cancel's): 200 `{order}`, or the error of its code
 * with the order as it is now next to it (a 409), or only the error.
 */
export function holdResponse(answer: PaymentAnswer | CancelAnswer): Response {
  if (answer.code === null) return json({ order: orderJson(answer.order) });
  if ("order" in answer) {
    return json(
      { ...errorBody(answer.code), order: orderJson(answer.order) },
      ERRORS[answer.code].status,
    );
  }
  // A reservation on its way to PostgreSQL is there within moments.
  throw new AppError(
    answer.code,
    undefined,
    undefined,
    answer.code === "ORDER_PENDING" ? 1 : undefined,
  );
}
