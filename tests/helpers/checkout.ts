import { signPayment } from "../../lib/checkout/signature.ts";
import { type Answer, call } from "./client.ts";

/** The payment webhook's secret in tests (PAYMENT_WEBHOOK_SECRET). */
export const PAYMENT_SECRET = "test-payment-secret-0123456789";

/** The environment of a test app whose payment webhook is open. */
export const CHECKOUT_ENV = { PAYMENT_WEBHOOK_SECRET: PAYMENT_SECRET };

/**
 * Sends a payment event as a provider does: signed with `secret` at `atS` (unix seconds; now
 * unless told), or with the header given as is.
 */
export async function sendPayment(
  base: string,
  event: { id: string; type?: "payment.succeeded" | "payment.failed"; orderId: string },
  options: { secret?: string; atS?: number; header?: string | null } = {},
): Promise<Answer> {
  const body = JSON.stringify({
    id: event.id,
    type: event.type ?? "payment.succeeded",
    orderId: event.orderId,
  });
  const header = options.header !== undefined
    ? options.header
    : await signPayment(options.secret ?? PAYMENT_SECRET, body, options.atS);
  const res = await fetch(`${base}/api/payments/webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(header === null ? {} : { "payment-signature": header }),
    },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* kept as text */ }
  return { status: res.status, body: parsed };
}

/** A shopper's cancel of their hold. */
export function cancelHold(base: string, saleId: number, userId: string): Promise<Answer> {
  return call(base, "POST", `/api/sales/${saleId}/orders/${encodeURIComponent(userId)}/cancel`);
}
