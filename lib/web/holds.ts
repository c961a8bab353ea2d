import { z } from "zod";
import { AppError, errorBody, ERRORS } from "../domain/errors.ts";
import { orderJson } from "../domain/order.ts";
import type { CancelAnswer, Holds, PaymentAnswer, PaymentEvent } from "../checkout/holds.ts";
import { signPayment } from "../checkout/signature.ts";
import { json, parseJson } from "./http.ts";

const paymentEvent = z.strictObject({
  id: z.string().min(1).max(255),
  type: z.enum(["payment.succeeded", "payment.failed"]),
  orderId: z.uuid(),
});

/**
 * A payment webhook delivery: its signature checked over the exact bytes sent, and only then its
 * body read and the event applied.
 */
export async function receivePayment(
  holds: Holds,
  signature: string | null,
  rawBody: string,
): Promise<PaymentAnswer> {
  await holds.verify(signature, rawBody);
  return await holds.pay(parseJson(rawBody, paymentEvent));
}

/**
 * The built-in test checkout's payment (docs/checkout.md): it plays the provider, so its event is
 * signed with the webhook's secret and received as any delivery is, signature check included.
 * PAYMENTS_DISABLED without a secret, as the webhook.
 */
export async function testPayment(
  holds: Holds,
  secret: string | undefined,
  orderId: string,
  type: PaymentEvent["type"],
): Promise<PaymentAnswer> {
  if (!secret) throw new AppError("PAYMENTS_DISABLED");
  const raw = JSON.stringify({ id: `test_${crypto.randomUUID()}`, type, orderId });
  return await receivePayment(holds, await signPayment(secret, raw), raw);
}

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
