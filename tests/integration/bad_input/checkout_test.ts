/**
 * Bad requests on the checkout routes: the payment webhook (POST /api/payments/webhook) and a
 * shopper's cancel (POST /api/sales/:id/orders/:userId/cancel).
 */
import { signPayment } from "../../../lib/checkout/signature.ts";
import {
  assertAllRefused,
  BAD_IDS,
  type BadRequest,
  NOT_JSON,
  NOT_OBJECTS,
  pathCases,
  withRaw,
  WRONG_TYPES,
} from "../../helpers/bad_input.ts";
import { CHECKOUT_ENV, PAYMENT_SECRET } from "../../helpers/checkout.ts";

const PATH = "/api/payments/webhook";
const valid = { id: "evt_1", type: "payment.succeeded", orderId: crypto.randomUUID() };

/** A body signed correctly: what is left to refuse is the body itself. */
async function signed(label: string, body: string, code: string): Promise<BadRequest> {
  return {
    label: `${PATH}: signed ${label}`,
    method: "POST",
    path: PATH,
    body,
    headers: { "payment-signature": await signPayment(PAYMENT_SECRET, body) },
    status: 400,
    code,
  };
}

function unsigned(label: string, header: string | null): BadRequest {
  return {
    label: `${PATH}: ${label}`,
    method: "POST",
    path: PATH,
    body: JSON.stringify(valid),
    headers: header === null ? {} : { "payment-signature": header },
    status: 400,
    code: "SIGNATURE_INVALID",
  };
}

Deno.test("malformed payment webhooks: each a clean 4xx error, and nothing is written", async () => {
  await assertAllRefused(
    async () => {
      const body = JSON.stringify(valid);
      const now = Math.floor(Date.now() / 1000);
      const good = await signPayment(PAYMENT_SECRET, body, now);
      const mac = good.split("v1=")[1]!;
      const cases: BadRequest[] = [
        unsigned("no signature", null),
        unsigned("empty signature", ""),
        unsigned("another secret's", await signPayment("another-secret-0123456789", body)),
        unsigned("stale", await signPayment(PAYMENT_SECRET, body, now - 301)),
        unsigned("from the future", await signPayment(PAYMENT_SECRET, body, now + 301)),
        unsigned("no timestamp", `v1=${mac}`),
        unsigned("no v1", `t=${now}`),
        unsigned("another timestamp", `t=${now + 1},v1=${mac}`),
        unsigned("v0 only", `t=${now},v0=${mac}`),
        unsigned("short mac", `t=${now},v1=${mac.slice(2)}`),
        unsigned("garbage", "x".repeat(3000)),
        unsigned("timestamp not a number", `t=abc,v1=${mac}`),
        {
          ...unsigned("signed over another body", good),
          body: JSON.stringify({ ...valid, id: "evt_2" }),
        },
      ];
      for (const text of [...NOT_JSON, "\u00e9"]) {
        cases.push(await signed(`not JSON ${JSON.stringify(text)}`, text, "INVALID_JSON"));
      }
      for (const text of NOT_OBJECTS) {
        cases.push(await signed(`top level ${text}`, text, "VALIDATION_FAILED"));
      }
      const fields: [string, (string | null)[]][] = [
        ["id", [null, '""', JSON.stringify("x".repeat(256)), ...WRONG_TYPES, "1"]],
        ["type", [null, '"payment.refunded"', '"PAYMENT.SUCCEEDED"', '""', ...WRONG_TYPES]],
        ["orderId", [
          null,
          '"abc"',
          '""',
          '"00000000-0000-0000-0000-00000000000g"',
          ...WRONG_TYPES,
        ]],
        ["extra", ['"x"']],
      ];
      for (const [field, values] of fields) {
        for (const raw of values) {
          cases.push(
            await signed(
              `${field} = ${raw ?? "(missing)"}`,
              withRaw(valid, field, raw),
              "VALIDATION_FAILED",
            ),
          );
        }
      }
      cases.push({
        label: `${PATH}: body over the limit`,
        method: "POST",
        path: PATH,
        body: JSON.stringify({ ...valid, pad: "x".repeat(5000) }),
        status: 413,
        code: "PAYLOAD_TOO_LARGE",
      });
      return cases;
    },
    70,
    CHECKOUT_ENV,
  );
});

Deno.test("malformed cancels: each a clean 4xx error, and nothing is written", async () => {
  await assertAllRefused(
    (_app, saleId) => [
      ...pathCases(
        "POST",
        BAD_IDS.map((id) => `/api/sales/${id}/orders/shopper-1/cancel`),
        400,
        "VALIDATION_FAILED",
      ),
      ...pathCases(
        "POST",
        ["99999", "999999999999999"].map((id) => `/api/sales/${id}/orders/shopper-1/cancel`),
        404,
        "SALE_NOT_FOUND",
      ),
      ...pathCases(
        "POST",
        ["x".repeat(256), "%00", "a%0Ab", "a%7F", "%C2%85"].map((userId) =>
          `/api/sales/${saleId}/orders/${userId}/cancel`
        ),
        400,
        "VALIDATION_FAILED",
      ),
      ...pathCases(
        "POST",
        ["nobody", "shopper-1"].map((userId) => `/api/sales/${saleId}/orders/${userId}/cancel`),
        404,
        "ORDER_NOT_FOUND",
      ),
    ],
    30,
    CHECKOUT_ENV,
  );
});
