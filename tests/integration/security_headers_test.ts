import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";

Deno.test("security headers on every answer; CORS off by default", async () => {
  const app = await startTestApp();
  try {
    for (const path of ["/api/sales", "/api/sales/999999", "/health", "/nowhere"]) {
      const res = await fetch(app.url + path, { headers: { origin: "https://evil.example" } });
      await res.body?.cancel();
      assertEquals(res.headers.get("x-content-type-options"), "nosniff", path);
      assertEquals(res.headers.get("referrer-policy"), "same-origin", path);
      assertEquals(res.headers.get("x-frame-options"), "DENY", path);
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
  const { loadConfig } = await import("../../lib/config.ts");
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
