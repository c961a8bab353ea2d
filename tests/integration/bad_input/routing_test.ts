/** Paths no route serves, and routes asked with a method they do not take. */
import { assertAllRefused, type BadRequest } from "../../helpers/bad_input.ts";

function each(pairs: string[][], status: number, code: string): BadRequest[] {
  return pairs.map(([method, path]) => ({
    label: `${method} ${path}`,
    method: method!,
    path: path!,
    status,
    code,
  }));
}

Deno.test("unknown paths and wrong methods: each a clean 4xx error, and nothing is written", async () => {
  await assertAllRefused(() => [
    ...each(
      [
        ["GET", "/api"],
        ["GET", "/api/nope"],
        ["GET", "/api/sales/1/nope"],
        ["GET", "/api/sales/1/orders"],
        ["POST", "/api/sales/1/purchase/extra"],
        ["GET", "/api/admin"],
        ["POST", "/api/admin/sales/1/nope"],
        ["GET", "/sale"],
        ["GET", "/wp-login.php"],
        ["GET", "/..%2f..%2fetc%2fpasswd"],
        ["GET", "/api/sales/1/orders/a/b"],
      ],
      404,
      "NOT_FOUND",
    ),
    ...each(
      [
        ["GET", "/api/sales/1/purchase"],
        ["POST", "/api/sales"],
        ["POST", "/api/sales/1"],
        ["DELETE", "/api/sales/1"],
        ["PUT", "/api/sales/1/purchase"],
        ["GET", "/api/admin/sales/1"],
        ["DELETE", "/api/admin/sales/1"],
        ["PUT", "/purchase"],
        ["GET", "/purchase"],
        ["POST", "/sale/status"],
      ],
      405,
      "METHOD_NOT_ALLOWED",
    ),
  ], 21);
});
