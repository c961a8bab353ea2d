import { assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";

/**
 * The routes registered from routes.gen.ts answer as the hand-typed table did: a method a route
 * does not have is 405 with Allow (before any admin check), in the original routes' shape under
 * /purchase and /sale, and static segments win over parameters.
 */
Deno.test("a wrong method is 405 with Allow, in each family's error shape", async () => {
  const app = await startTestApp();
  try {
    const cases: [method: string, path: string, allow: string, original: boolean][] = [
      ["DELETE", "/api/sales", "GET", false],
      ["PUT", "/api/sales/1/purchase", "POST", false],
      ["GET", "/api/admin/sales/1/reset", "POST", false],
      ["DELETE", "/static/app.css", "GET", false],
      ["PUT", "/purchase", "POST", true],
      ["POST", "/sale/status", "GET", true],
      ["GET", "/sale/init-stock", "POST", true],
      ["GET", "/sale/1/times", "PUT", true],
    ];
    for (const [method, path, allow, original] of cases) {
      const res = await fetch(app.url + path, { method });
      const body = await res.json();
      assertEquals([res.status, res.headers.get("allow")], [405, allow], `${method} ${path}`);
      assertEquals(body.error.code, "METHOD_NOT_ALLOWED", path);
      assertEquals(body.result, original ? "METHOD_NOT_ALLOWED" : undefined, path);
    }
    // /sale/status is its own route, not a sale id: without a sale 1 it names the missing sale.
    const status = await fetch(app.url + "/sale/status?saleId=999999");
    assertEquals([status.status, (await status.json()).error.code], [404, "SALE_NOT_FOUND"]);
    // An unknown path under the original routes answers in their shape too.
    const unknown = await fetch(app.url + "/sale/nowhere/else");
    assertEquals([unknown.status, (await unknown.json()).result], [404, "NOT_FOUND"]);
  } finally {
    await app.close();
  }
});
