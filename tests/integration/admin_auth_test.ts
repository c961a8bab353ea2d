import { buildApp } from "../../app.ts";
import { loadConfig } from "../../lib/infra/config.ts";
import { openPlatform } from "../../lib/platform.ts";
import { adminSession } from "../../lib/web/admin_auth.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { deleteKeys, startTestApp } from "../helpers/app.ts";
import { admin, type Answer, call, purchase } from "../helpers/client.ts";
import { ADMIN_TOKEN, createTestDatabase, REDIS_URL, testPrefix } from "../helpers/env.ts";
import { written } from "../helpers/written.ts";

const HOUR = 3_600_000;

interface AdminRoute {
  method: string;
  path: string;
  /** A body that would be accepted with the right token; undefined for routes without one. */
  body?: unknown;
}

/** Every route app.ts marks `admin: true`, each with a request that would change or read state. */
function adminRoutes(): AdminRoute[] {
  const now = Date.now();
  const window = {
    startTime: new Date(now - HOUR).toISOString(),
    endTime: new Date(now + 5 * HOUR).toISOString(),
  };
  return [
    {
      method: "POST",
      path: "/api/admin/sales",
      body: { name: "Intruder", totalStock: 5, ...window },
    },
    { method: "PATCH", path: "/api/admin/sales/1", body: { totalStock: 3, name: "Hijacked" } },
    { method: "POST", path: "/api/admin/sales/1/reset", body: { totalStock: 2 } },
    { method: "POST", path: "/api/admin/sales/1/reconcile" },
    { method: "GET", path: "/api/admin/sales/1/stats" },
    { method: "POST", path: "/sale/reset", body: { stock: 1 } },
    { method: "PUT", path: "/sale/1/times", body: window },
    { method: "POST", path: "/sale/init-stock" },
    { method: "POST", path: "/sale/recovery" },
  ];
}

/** Authorization headers that must not open the admin API (null: no header at all). */
const BAD_AUTH: { label: string; header: string | null }[] = [
  { label: "no Authorization header", header: null },
  { label: "empty Authorization header", header: "" },
  { label: "wrong token", header: "Bearer wrong-token-0123456789abcdef" },
  { label: "right token minus its last char", header: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
  { label: "right token plus one char", header: `Bearer ${ADMIN_TOKEN}x` },
  { label: "right token twice", header: `Bearer ${ADMIN_TOKEN}${ADMIN_TOKEN}` },
  { label: "right token then a second word", header: `Bearer ${ADMIN_TOKEN} extra` },
  { label: "Basic scheme", header: `Basic ${ADMIN_TOKEN}` },
  { label: "Basic scheme, base64", header: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` },
  { label: "Token scheme", header: `Token ${ADMIN_TOKEN}` },
  { label: "bearer glued to the token", header: `bearer${ADMIN_TOKEN}` },
  { label: "Bearer glued to the token", header: `Bearer${ADMIN_TOKEN}` },
  { label: "Bearer, two spaces", header: `Bearer  ${ADMIN_TOKEN}` },
  { label: "token without a scheme", header: ADMIN_TOKEN },
  { label: "Bearer with no token", header: "Bearer" },
  { label: "Bearer and a space", header: "Bearer " },
];

let sender = 0;

/**
 * Each request from an address of its own (honoured behind TRUSTED_PROXY_HOPS=1), so these many
 * wrong tokens meet the refusal they test, not the failed sign-in throttle.
 */
async function send(base: string, route: AdminRoute, header: string | null): Promise<Answer> {
  const from = { "x-forwarded-for": `198.18.${Math.floor(++sender / 250)}.${sender % 250}` };
  return await call(
    base,
    route.method,
    route.path,
    route.body,
    header === null ? from : { ...from, authorization: header },
  );
}

function assertErrorBody(res: Answer, status: number, code: string, label: string): void {
  assertEquals(res.status, status, `${label}: status ${JSON.stringify(res.body)}`);
  assertEquals(res.body?.error?.code, code, `${label}: code`);
  assertEquals(typeof res.body?.error?.message, "string", `${label}: message`);
  assert(res.body.error.message.length > 0, `${label}: empty message`);
}

Deno.test("every admin route answers 401 UNAUTHORIZED to a missing, wrong or malformed token, and writes nothing", async (t) => {
  const app = await startTestApp({ TRUSTED_PROXY_HOPS: "1" });
  try {
    // An order in sale 1, so a reset that slipped through would show as a lost row.
    const bought = await purchase(app.url, 1, "shopper-before-the-attack");
    assertEquals([bought.status, bought.result], [201, "SUCCESS"]);
    const snapshot = () => written(app.sql, app.platform.gate);
    const before = await snapshot();
    assertEquals([before.sales, before.orders, before.rows[0]?.total_stock, before.stock[1]], [
      1,
      1,
      100,
      99,
    ]);

    for (const route of adminRoutes()) {
      await t.step(`${route.method} ${route.path}`, async () => {
        for (const { label, header } of BAD_AUTH) {
          const res = await send(app.url, route, header);
          assertErrorBody(res, 401, "UNAUTHORIZED", `${route.method} ${route.path} with ${label}`);
        }
        assertEquals(await snapshot(), before, `${route.method} ${route.path} wrote something`);
      });
    }

    // The same refusals through the seed routes' `?saleId=` form.
    await t.step("seed admin routes with ?saleId=1", async () => {
      for (const path of ["/sale/reset?saleId=1", "/sale/recovery?saleId=1"]) {
        const res = await call(app.url, "POST", path, { stock: 0 }, {
          authorization: "Bearer nope-nope-nope-nope",
          "x-forwarded-for": "198.18.255.1",
        });
        assertErrorBody(res, 401, "UNAUTHORIZED", path);
      }
      assertEquals(await snapshot(), before);
    });

    const [order] = await app.sql`SELECT user_id FROM orders`;
    assertEquals(order?.user_id, "shopper-before-the-attack");
  } finally {
    await app.close();
  }
});

Deno.test("the right bearer token opens every admin route", async () => {
  const app = await startTestApp();
  try {
    const now = Date.now();
    const created = await call(app.url, "POST", "/api/admin/sales", {
      name: "Admin's sale",
      totalStock: 6,
      perUserLimit: 2,
      startTime: new Date(now - HOUR).toISOString(),
      endTime: new Date(now + HOUR).toISOString(),
    }, admin);
    assertEquals(created.status, 201, JSON.stringify(created.body));
    assertEquals(
      [
        created.body.name,
        created.body.totalStock,
        created.body.remainingStock,
        created.body.status,
      ],
      ["Admin's sale", 6, 6, "ACTIVE"],
    );
    const id: number = created.body.id;
    const [count] = await app.sql`SELECT count(*)::int AS n FROM sales`;
    assertEquals(count?.n, 2);

    const bought = await purchase(app.url, id, "stats-shopper", 2);
    assertEquals(bought.result, "SUCCESS");
    const stats = await call(app.url, "GET", `/api/admin/sales/${id}/stats`, undefined, admin);
    assertEquals(stats.status, 200, JSON.stringify(stats.body));
    assertEquals(
      [stats.body.sale.id, stats.body.sold, stats.body.orders, stats.body.remainingStock],
      [id, 2, 1, 4],
    );
    assertEquals(stats.body.outcomes, { SUCCESS: 1 });

    const patched = await call(
      app.url,
      "PATCH",
      `/api/admin/sales/${id}`,
      { totalStock: 8 },
      admin,
    );
    assertEquals([patched.status, patched.body.totalStock, patched.body.remainingStock], [
      200,
      8,
      6,
    ]);

    const reconciled = await call(
      app.url,
      "POST",
      `/api/admin/sales/${id}/reconcile`,
      undefined,
      admin,
    );
    assertEquals([reconciled.status, reconciled.body.drift.saleId, reconciled.body.drift.sold], [
      200,
      id,
      2,
    ]);

    const reset = await call(
      app.url,
      "POST",
      `/api/admin/sales/${id}/reset`,
      { totalStock: 9 },
      admin,
    );
    assertEquals([reset.status, reset.body.reset.saleId], [200, id]);
    const [afterReset] = await app.sql`
      SELECT total_stock, (SELECT count(*)::int FROM orders WHERE sale_id = ${id}) AS orders
      FROM sales WHERE id = ${id}`;
    assertEquals([afterReset?.total_stock, afterReset?.orders], [9, 0]);
    assertEquals(await app.platform.gate.readStock(id), 9);

    const seedReset = await call(app.url, "POST", "/sale/reset", { stock: 5 }, admin);
    assertEquals([seedReset.status, seedReset.body.stock], [200, 5]);
    assertEquals(await app.platform.gate.readStock(1), 5);

    const start = new Date(now - 2 * HOUR).toISOString();
    const end = new Date(now + 2 * HOUR).toISOString();
    const times = await call(app.url, "PUT", "/sale/1/times", {
      startTime: start,
      endTime: end,
    }, admin);
    assertEquals([times.status, times.body.startTime, times.body.endTime], [200, start, end]);

    for (const path of ["/sale/init-stock", "/sale/recovery"]) {
      const res = await call(app.url, "POST", path, undefined, admin);
      assertEquals([res.status, res.body.drift.saleId, res.body.drift.stockAfter], [200, 1, 5]);
    }
  } finally {
    await app.close();
  }
});

Deno.test("a server without ADMIN_TOKEN answers 503 ADMIN_DISABLED on every admin route, naming ADMIN_TOKEN", async () => {
  const db = await createTestDatabase();
  const prefix = testPrefix();
  try {
    // startTestApp always sets ADMIN_TOKEN, and the config refuses a short one: build it here.
    const config = loadConfig({ DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix });
    assertEquals(config.ADMIN_TOKEN, undefined);
    const platform = await openPlatform(config);
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      buildApp(platform).fetch,
    );
    const url = `http://127.0.0.1:${server.addr.port}`;
    try {
      const before = await written(platform.sql, platform.gate);
      assertEquals([before.sales, before.orders, before.rows[0]?.total_stock, before.stock[1]], [
        1,
        0,
        100,
        100,
      ]);
      for (const route of adminRoutes()) {
        for (const header of [null, `Bearer ${ADMIN_TOKEN}`, "Bearer anything-at-all-goes"]) {
          const label = `${route.method} ${route.path} with ${header ?? "no header"}`;
          const res = await send(url, route, header);
          assertErrorBody(res, 503, "ADMIN_DISABLED", label);
          assertMatch(res.body.error.message, /ADMIN_TOKEN/, label);
        }
      }
      assertEquals(await written(platform.sql, platform.gate), before);

      // The public API still works.
      const sale = await call(url, "GET", "/api/sales/1");
      assertEquals([sale.status, sale.body.id, sale.body.totalStock], [200, 1, 100]);
    } finally {
      await server.shutdown();
      await platform.close();
    }
  } finally {
    await db.drop();
    await deleteKeys(REDIS_URL, prefix);
  }
});

/** Signs in through the admin page's form; `headers` as a proxy in front would add them. */
async function signIn(
  base: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const res = await fetch(`${base}/admin/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ token }),
    redirect: "manual",
  });
  await res.body?.cancel();
  return res;
}

function sessionOf(res: Response): string {
  const value = /^fs_admin=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  if (!value) throw new Error(`no session cookie: ${res.status} ${res.headers.get("set-cookie")}`);
  return value;
}

const withCookie = (value: string) => ({ cookie: `fs_admin=${value}` });

Deno.test("admin session cookie: carries a signed expiry; expired or forged cookies are refused", async () => {
  const app = await startTestApp();
  try {
    const res = await signIn(app.url, ADMIN_TOKEN);
    assertEquals(res.status, 303);
    const session = sessionOf(res);
    const stats = "/api/admin/sales/1/stats";
    assertEquals((await call(app.url, "GET", stats, undefined, withCookie(session))).status, 200);
    const expired = await adminSession(ADMIN_TOKEN, Date.now() - 1000);
    assertEquals(
      (await call(app.url, "GET", stats, undefined, withCookie(expired))).status,
      401,
      "an expired session is refused",
    );

    const [exp, signature] = session.split(".");
    assertMatch(exp ?? "", /^\d+$/, "the cookie starts with its expiry");
    const expMs = Number(exp);
    assert(expMs > Date.now() && expMs <= Date.now() + 8 * HOUR + 60_000, "expires in 8 hours");

    const forged = [
      ["expiry pushed forward", `${expMs + 365 * 24 * HOUR}.${signature}`],
      ["signature of another token", await adminSession(`${ADMIN_TOKEN}x`, expMs)],
      ["no signature", `${expMs}`],
      ["garbage", "not-a-session"],
    ];
    for (const [label, value] of [["expired", expired], ...forged]) {
      const refused = await call(app.url, "GET", stats, undefined, withCookie(value!));
      assertEquals(refused.status, 401, label);
      const page = await fetch(`${app.url}/admin`, { headers: withCookie(value!) });
      assertMatch(await page.text(), /Admin sign-in/, `${label}: the page asks to sign in`);
    }
  } finally {
    await app.close();
  }
});

Deno.test("admin session cookie is Secure behind a trusted proxy that says https, not otherwise", async () => {
  const https = { "x-forwarded-proto": "https" };
  const trusted = await startTestApp({ TRUSTED_PROXY_HOPS: "1" });
  try {
    const cookie = (await signIn(trusted.url, ADMIN_TOKEN, https)).headers.get("set-cookie") ?? "";
    assertMatch(cookie, /; Secure/, "https at the trusted proxy");
    const plain = (await signIn(trusted.url, ADMIN_TOKEN)).headers.get("set-cookie") ?? "";
    assert(!/Secure/.test(plain), `plain http: ${plain}`);
  } finally {
    await trusted.close();
  }
  const direct = await startTestApp();
  try {
    const cookie = (await signIn(direct.url, ADMIN_TOKEN, https)).headers.get("set-cookie") ?? "";
    assertMatch(cookie, /^fs_admin=/);
    assert(!/Secure/.test(cookie), `a header nobody vouches for changes nothing: ${cookie}`);
  } finally {
    await direct.close();
  }
});

Deno.test("failed admin sign-ins are throttled per client IP (429 + Retry-After) and audited", async () => {
  const app = await startTestApp({ TRUSTED_PROXY_HOPS: "1" });
  try {
    const from = (ip: string) => ({ "x-forwarded-for": ip });
    const stats = "/api/admin/sales/1/stats";
    for (let i = 0; i < 6; i++) {
      const res = await signIn(app.url, `wrong-token-${i}-0123456789`, from("203.0.113.7"));
      assertEquals(res.headers.get("location"), "/admin?signin=failed", `form attempt ${i}`);
    }
    for (let i = 0; i < 4; i++) {
      const res = await call(app.url, "GET", stats, undefined, {
        ...from("203.0.113.7"),
        authorization: `Bearer wrong-token-${i}-0123456789`,
      });
      assertEquals(res.status, 401, `bearer attempt ${i}`);
    }
    // Ten failures: this address is locked out, even with the right token, on both doors.
    const form = await signIn(app.url, ADMIN_TOKEN, from("203.0.113.7"));
    assertEquals(form.status, 429);
    assert(Number(form.headers.get("retry-after")) > 0, "Retry-After on the form");
    assertEquals(form.headers.get("set-cookie"), null, "no session while locked out");
    const api = await fetch(`${app.url}${stats}`, {
      headers: { ...admin, ...from("203.0.113.7") },
    });
    await api.body?.cancel();
    assertEquals(api.status, 429);
    assert(Number(api.headers.get("retry-after")) > 0, "Retry-After on the API");
    // Another address is not affected.
    assertEquals((await signIn(app.url, ADMIN_TOKEN, from("198.51.100.1"))).status, 303);
    assertEquals((await call(app.url, "GET", stats, undefined, admin)).status, 200);

    const rows = await app.sql`
      SELECT actor, client_ip, path, status FROM admin_audit WHERE status = 401 ORDER BY id`;
    assertEquals(rows.length, 10, "one row per failed sign-in, none for the refused ones");
    assertEquals(rows.filter((r) => r.actor === "sign-in form").length, 6);
    assertEquals(rows.filter((r) => r.actor === "bearer token").length, 4);
    assert(rows.every((r) => r.client_ip === "203.0.113.7"), "rows name the client");
    assertEquals(rows[0]!.path, "/admin/login");
  } finally {
    await app.close();
  }
});
