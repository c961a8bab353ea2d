import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { admin, call, createSale } from "../helpers/client.ts";

Deno.test("admin audit: one row per admin action (who, what, when, how it ended) and per failed sign-in; reads none", async () => {
  const app = await startTestApp();
  try {
    const started = new Date(Date.now() - 1000);
    const saleId = await createSale(app.url, { totalStock: 5 });
    const ua = { ...admin, "user-agent": "audit-test/1" };
    assertEquals(
      (await call(app.url, "PATCH", `/api/admin/sales/${saleId}`, { totalStock: 7 }, ua)).status,
      200,
    );
    assertEquals(
      (await call(app.url, "PATCH", `/api/admin/sales/${saleId}`, { totalStock: -1 }, ua)).status,
      400,
    );
    assertEquals(
      (await call(app.url, "POST", `/api/admin/sales/${saleId}/reconcile`, undefined, ua)).status,
      200,
    );
    // Reads are not actions; a wrong token never got past the check, and is a failed sign-in.
    assertEquals(
      (await call(app.url, "GET", `/api/admin/sales/${saleId}/stats`, undefined, ua)).status,
      200,
    );
    assertEquals(
      (await call(app.url, "POST", `/api/admin/sales/${saleId}/reset`, undefined, {
        authorization: "Bearer wrong-token-0123456789",
      })).status,
      401,
    );

    const rows = await app.sql`
      SELECT at, actor, client_ip, user_agent, method, path, status FROM admin_audit ORDER BY id`;
    assertEquals(
      rows.map((r) => [r.actor, r.client_ip, r.method, r.path, r.status]),
      [
        ["bearer token", "127.0.0.1", "POST", "/api/admin/sales", 201],
        ["bearer token", "127.0.0.1", "PATCH", `/api/admin/sales/${saleId}`, 200],
        ["bearer token", "127.0.0.1", "PATCH", `/api/admin/sales/${saleId}`, 400],
        ["bearer token", "127.0.0.1", "POST", `/api/admin/sales/${saleId}/reconcile`, 200],
        ["bearer token", "127.0.0.1", "POST", `/api/admin/sales/${saleId}/reset`, 401],
      ],
    );
    assertEquals(rows[1]!.user_agent, "audit-test/1");
    for (const r of rows) assert(r.at >= started && r.at <= new Date(), "stamped when it happened");
  } finally {
    await app.close();
  }
});
