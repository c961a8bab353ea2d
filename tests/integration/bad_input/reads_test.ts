/**
 * Bad parameters on the API's reads: GET /api/sales (its page query), /api/sales/:id and
 * /api/sales/:id/orders/:userId.
 */
import { assertAllRefused, pathCases } from "../../helpers/bad_input.ts";

Deno.test("reads with bad parameters: each a clean 4xx error, and nothing is written", async () => {
  await assertAllRefused((_app, saleId) => [
    ...pathCases(
      "GET",
      [
        ...["0", "201", "-1", "abc", "1.5", "1e2", "", "9999", "%00", "50%20"].map((v) =>
          `limit=${v}`
        ),
        // Not a cursor this server wrote: garbage, padded, not an id, a non-canonical id, too long.
        ...["", "!!!", "MQ==", "YWJj", "MA", "LTE", "MDAx", "x".repeat(100)].map((v) =>
          `cursor=${v}`
        ),
        ...["active", "SOLD_OUT", "", "ENDED,ACTIVE"].map((v) => `status=${v}`),
        "page=2",
        "limit=10&limit=20",
        "status=ENDED&status=ACTIVE",
      ].map((q) => `/api/sales?${q}`),
      400,
      "VALIDATION_FAILED",
    ),
    ...pathCases(
      "GET",
      ["abc", "0", "-1", "1.5", "1e3", "%00", "9".repeat(16)].map((id) => `/api/sales/${id}`),
      400,
      "VALIDATION_FAILED",
    ),
    ...pathCases("GET", ["/api/sales/99999"], 404, "SALE_NOT_FOUND"),
    ...pathCases(
      "GET",
      ["x".repeat(256), "x".repeat(500), "%00", "a%0Ab", "a%7F", "%C2%85"].map((userId) =>
        `/api/sales/${saleId}/orders/${userId}`
      ),
      400,
      "VALIDATION_FAILED",
    ),
    ...pathCases("GET", ["/api/sales/99999/orders/someone"], 404, "SALE_NOT_FOUND"),
    // A shopper who has none.
    ...pathCases("GET", [`/api/sales/${saleId}/orders/nobody`], 404, "ORDER_NOT_FOUND"),
  ], 40);
});
