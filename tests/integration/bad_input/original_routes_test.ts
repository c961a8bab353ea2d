/** Malformed requests on the original platform's routes: /purchase, /purchase/:userId, /sale/*. */
import { admin } from "../../helpers/client.ts";
import {
  assertAllRefused,
  BAD_QUANTITIES,
  BAD_USER_IDS,
  bodyCases,
  fieldCases,
  HOUR,
  pathCases,
  WRONG_TYPES,
} from "../../helpers/bad_input.ts";

Deno.test("malformed requests on the original routes: each a clean 4xx error, and nothing is written", async () => {
  await assertAllRefused((_app, saleId) => {
    // Sale 1 when saleId is missing.
    const validSeed = { userId: "shopper-1", saleId, quantity: 1 };
    const now = Date.now();
    const reads = ["/sale/status", "/sale/stats", "/purchase/someone"];
    return [
      ...bodyCases("POST", "/purchase", validSeed, {}),
      ...fieldCases("POST", "/purchase", validSeed, {}, "userId", BAD_USER_IDS),
      ...fieldCases("POST", "/purchase", validSeed, {}, "quantity", BAD_QUANTITIES),
      ...fieldCases("POST", "/purchase", validSeed, {}, "saleId", [
        "0",
        "-1",
        "1.5",
        '"1"',
        "9007199254740992",
        "1e400",
        ...WRONG_TYPES,
      ]),
      ...[99999, 999999999999999].map((id) => ({
        label: `seed purchase in unknown sale ${id}`,
        method: "POST",
        path: "/purchase",
        body: JSON.stringify({ ...validSeed, saleId: id }),
        status: 404,
        code: "SALE_NOT_FOUND",
      })),
      {
        label: "PUT /sale/:id/times ending before it starts",
        method: "PUT",
        path: `/sale/${saleId}/times`,
        body: JSON.stringify({
          startTime: new Date(now + 2 * HOUR).toISOString(),
          endTime: new Date(now + HOUR).toISOString(),
        }),
        headers: admin,
        status: 400,
        code: "VALIDATION_FAILED",
      },
      ...pathCases(
        "GET",
        ["abc", "0", "-1", "1.5", "%00"].flatMap((id) =>
          reads.map((path) => `${path}?saleId=${id}`)
        ),
        400,
        "VALIDATION_FAILED",
      ),
      ...pathCases("GET", reads.map((path) => `${path}?saleId=99999`), 404, "SALE_NOT_FOUND"),
      ...pathCases("GET", [`/purchase/${"x".repeat(256)}`], 400, "VALIDATION_FAILED"),
    ];
  }, 150);
});
