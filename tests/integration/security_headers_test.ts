import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";

Deno.test("security headers on every answer; CORS off by default", async () => {
  const app = await startTestApp();
  try {
    for (const path of ["/api/sales", "/api/sales/999999", "/health", "/nowhere"]) {
      const res = await fetch(app.url + path, { headers: { origin: "https://evil.example" } });
      await res.body?.cancel();
      assertEquals(res.headers.get("x-content-type-options"), "nosniff", path);
      // CSP's frame-ancestors says what X-Frame-Options would, and a data answer loads nothing
      // that could carry a referrer: pages carry those two, data answers do not.
      assertEquals(res.headers.get("x-frame-options"), null, path);
      assertEquals(res.headers.get("referrer-policy"), null, path);
      assertEquals(
        res.headers.get("content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'",
        path,
      );
      assertEquals(res.headers.get("access-control-allow-origin"), null, path);
    }
    // A page keeps its own policy: our scripts, styles and event stream, never framed.
    const page = await fetch(app.url + "/");
    await page.body?.cancel();
    const csp = page.headers.get("content-security-policy") ?? "";
    assert(/script-src 'self'/.test(csp) && /frame-ancestors 'none'/.test(csp), csp);
    assert(/connect-src 'self'/.test(csp), csp);
    assertEquals(page.headers.get("x-content-type-options"), "nosniff");
    assertEquals(page.headers.get("x-frame-options"), "DENY");
    assertEquals(page.headers.get("referrer-policy"), "same-origin");
    // No preflight is answered without an allowlist.
    const pre = await fetch(app.url + "/api/sales/1/purchase", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    await pre.body?.cancel();
    assertEquals(pre.headers.get("access-control-allow-origin"), null);
  } finally {
    await app.close();
  }
});

Deno.test("CORS: only the configured origins get access-control headers", async () => {
  const app = await startTestApp({ CORS_ORIGINS: "https://shop.example, http://localhost:3000" });
  try {
    const get = (origin: string) => fetch(app.url + "/api/sales", { headers: { origin } });
    const ok = await get("https://shop.example");
    await ok.body?.cancel();
    assertEquals(ok.headers.get("access-control-allow-origin"), "https://shop.example");
    assertEquals(ok.headers.get("access-control-allow-credentials"), null);
    assert((ok.headers.get("vary") ?? "").toLowerCase().includes("origin"));
    const evil = await get("https://shop.example.evil.test");
    await evil.body?.cancel();
    assertEquals(evil.headers.get("access-control-allow-origin"), null);

    const preflight = (origin: string) =>
      fetch(app.url + "/api/sales/1/purchase", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
    const allowed = await preflight("http://localhost:3000");
    await allowed.body?.cancel();
    assertEquals(allowed.status, 204);
    assertEquals(allowed.headers.get("access-control-allow-origin"), "http://localhost:3000");
    assert((allowed.headers.get("access-control-allow-methods") ?? "").includes("POST"));
    const refused = await preflight("https://evil.example");
    await refused.body?.cancel();
    assertEquals(refused.headers.get("access-control-allow-origin"), null);
  } finally {
    await app.close();
  }
});

Deno.test("CORS_ORIGINS must list origins", async () => {
  const { loadConfig } = await import("../../lib/infra/config.ts");
  assertEquals(loadConfig({}).CORS_ORIGINS, []);
  assertEquals(
    loadConfig({ CORS_ORIGINS: "https://a.example,https://b.example:8443" }).CORS_ORIGINS,
    [
      "https://a.example",
      "https://b.example:8443",
    ],
  );
  let failed = false;
  try {
    loadConfig({ CORS_ORIGINS: "*" });
  } catch {
    failed = true;
  }
  assert(failed, "a wildcard is not an origin");
});

Deno.test("CORS on the original routes: the original UI's origin may call them, another may not", async () => {
  // The original UI runs on Vite's port and calls the API from there (docs/api.md, original routes).
  const ui = "http://localhost:5173";
  const app = await startTestApp({ CORS_ORIGINS: ui });
  try {
    const preflight = (origin: string, path: string) =>
      fetch(app.url + path, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
    const allowed = await preflight(ui, "/purchase");
    await allowed.body?.cancel();
    assertEquals(allowed.status, 204);
    assertEquals(allowed.headers.get("access-control-allow-origin"), ui);
    assert((allowed.headers.get("access-control-allow-methods") ?? "").includes("POST"));
    assert((allowed.headers.get("access-control-allow-headers") ?? "").includes("content-type"));
    for (const origin of ["http://localhost:5174", "https://evil.example", "null"]) {
      const refused = await preflight(origin, "/purchase");
      await refused.body?.cancel();
      assertEquals(refused.headers.get("access-control-allow-origin"), null, origin);
      assertEquals(refused.headers.get("access-control-allow-methods"), null, origin);
    }

    // The answers themselves, a purchase, a refusal and the status the UI polls, are readable
    // by the UI's origin only.
    const post = (origin: string, body: string) =>
      fetch(app.url + "/purchase", {
        method: "POST",
        headers: { origin, "content-type": "application/json" },
        body,
      });
    const bought = await post(ui, '{"userId":"from-the-ui"}');
    assertEquals([bought.status, (await bought.json()).result], [200, "SUCCESS"]);
    assertEquals(bought.headers.get("access-control-allow-origin"), ui);
    const refusal = await post(ui, "{");
    assertEquals([refusal.status, (await refusal.json()).result], [400, "INVALID_JSON"]);
    assertEquals(refusal.headers.get("access-control-allow-origin"), ui);
    const status = await fetch(app.url + "/sale/status", { headers: { origin: ui } });
    await status.body?.cancel();
    assertEquals(status.headers.get("access-control-allow-origin"), ui);
    const other = await post("https://evil.example", '{"userId":"elsewhere"}');
    await other.body?.cancel();
    assertEquals(other.headers.get("access-control-allow-origin"), null);
  } finally {
    await app.close();
  }
});
