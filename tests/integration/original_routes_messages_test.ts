/**
 * The original platform's React UI shows `message` and styles by `result` for every answer of its
 * routes. Refusals there carry both next to the standard `error` object; the `/api/…` routes keep
 * the error object alone.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { admin, call } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";

interface Sent {
  label: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

async function send(base: string, r: Sent) {
  const headers: Record<string, string> = { ...r.headers };
  if (r.body !== undefined) headers["content-type"] = r.contentType ?? "application/json";
  const res = await fetch(base + r.path, { method: r.method, headers, body: r.body ?? null });
  return { status: res.status, body: await res.json() };
}

/** Every refusal of the original routes: its status and error, with `result` and `message`. */
function checkOriginal(r: Sent, status: number, body: Record<string, unknown>): string | null {
  const error = body.error as { code?: unknown; message?: unknown } | undefined;
  const seen = {
    status,
    code: error?.code,
    result: body.result,
    message: typeof body.message === "string" && body.message !== "" &&
      body.message === error?.message,
  };
  const want = { status: r.status, code: r.code, result: r.code, message: true };
  return JSON.stringify(seen) === JSON.stringify(want)
    ? null
    : `${r.label}: ${JSON.stringify(seen)} != ${JSON.stringify(want)}`;
}

Deno.test("original routes: every refusal carries message and result next to the error", async () => {
  const app = await startTestApp({ RATE_LIMIT_PER_SHOPPER: "1", RATE_LIMIT_WINDOW_MS: "60000" });
  const closed = await startTestApp({ ADMIN_TOKEN: "" });
  const { Redis } = await import("ioredis");
  const redis = new Redis(REDIS_URL);
  try {
    const json = '{"userId":"a"}';
    const cases: Sent[] = [
      {
        label: "malformed JSON",
        method: "POST",
        path: "/purchase",
        body: "{",
        status: 400,
        code: "INVALID_JSON",
      },
      {
        label: "bad userId",
        method: "POST",
        path: "/purchase",
        body: '{"userId":""}',
        status: 400,
        code: "VALIDATION_FAILED",
      },
      {
        label: "unknown field",
        method: "POST",
        path: "/purchase",
        body: '{"userId":"a","x":1}',
        status: 400,
        code: "VALIDATION_FAILED",
      },
      {
        label: "over the limit",
        method: "POST",
        path: "/purchase",
        body: '{"userId":"b","quantity":2}',
        status: 400,
        code: "QUANTITY_OVER_LIMIT",
      },
      {
        label: "form post",
        method: "POST",
        path: "/purchase",
        body: "userId=a",
        contentType: "text/plain",
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
      },
      {
        label: "too large",
        method: "POST",
        path: "/purchase",
        body: JSON.stringify({ userId: "x".repeat(5000) }),
        status: 413,
        code: "PAYLOAD_TOO_LARGE",
      },
      {
        label: "unknown sale",
        method: "POST",
        path: "/purchase",
        body: '{"userId":"a","saleId":99999}',
        status: 404,
        code: "SALE_NOT_FOUND",
      },
      {
        label: "wrong method",
        method: "PUT",
        path: "/purchase",
        body: json,
        status: 405,
        code: "METHOD_NOT_ALLOWED",
      },
      {
        label: "bad userId in the path",
        method: "GET",
        path: "/purchase/a%00b",
        status: 400,
        code: "VALIDATION_FAILED",
      },
      {
        label: "bad saleId",
        method: "GET",
        path: "/purchase/a?saleId=abc",
        status: 400,
        code: "VALIDATION_FAILED",
      },
      {
        label: "unknown sale (check)",
        method: "GET",
        path: "/purchase/a?saleId=99999",
        status: 404,
        code: "SALE_NOT_FOUND",
      },
      { label: "too deep", method: "GET", path: "/purchase/a/b", status: 404, code: "NOT_FOUND" },
      {
        label: "status, bad saleId",
        method: "GET",
        path: "/sale/status?saleId=0",
        status: 400,
        code: "VALIDATION_FAILED",
      },
      {
        label: "status, unknown sale",
        method: "GET",
        path: "/sale/status?saleId=99999",
        status: 404,
        code: "SALE_NOT_FOUND",
      },
      {
        label: "stats, bad saleId",
        method: "GET",
        path: "/sale/stats?saleId=-1",
        status: 400,
        code: "VALIDATION_FAILED",
      },
      {
        label: "stats, unknown sale",
        method: "GET",
        path: "/sale/stats?saleId=99999",
        status: 404,
        code: "SALE_NOT_FOUND",
      },
      {
        label: "status, wrong method",
        method: "POST",
        path: "/sale/status",
        status: 405,
        code: "METHOD_NOT_ALLOWED",
      },
      {
        label: "unknown route under /sale",
        method: "GET",
        path: "/sale/nope",
        status: 404,
        code: "NOT_FOUND",
      },
      { label: "/sale itself", method: "GET", path: "/sale", status: 404, code: "NOT_FOUND" },
      {
        label: "reset without token",
        method: "POST",
        path: "/sale/reset",
        body: '{"stock":5}',
        status: 401,
        code: "UNAUTHORIZED",
      },
      {
        label: "times without token",
        method: "PUT",
        path: "/sale/1/times",
        body: "{}",
        status: 401,
        code: "UNAUTHORIZED",
      },
      {
        label: "init-stock without token",
        method: "POST",
        path: "/sale/init-stock",
        status: 401,
        code: "UNAUTHORIZED",
      },
      {
        label: "recovery without token",
        method: "POST",
        path: "/sale/recovery",
        status: 401,
        code: "UNAUTHORIZED",
      },
      {
        label: "reset, bad stock",
        method: "POST",
        path: "/sale/reset",
        body: '{"stock":-1}',
        headers: admin,
        status: 400,
        code: "VALIDATION_FAILED",
      },
      {
        label: "times, bad body",
        method: "PUT",
        path: "/sale/1/times",
        body: '{"startTime":"x"}',
        headers: admin,
        status: 400,
        code: "VALIDATION_FAILED",
      },
    ];
    const failures: string[] = [];
    for (const r of cases) {
      const { status, body } = await send(app.url, r);
      const failure = checkOriginal(r, status, body);
      if (failure) failures.push(failure);
    }

    // The admin routes of a server without ADMIN_TOKEN: 503.
    const disabled: Sent = {
      label: "admin closed",
      method: "POST",
      path: "/sale/recovery",
      status: 503,
      code: "ADMIN_DISABLED",
    };
    const closedAnswer = await send(closed.url, disabled);
    failures.push(checkOriginal(disabled, closedAnswer.status, closedAnswer.body) ?? "");

    // 429: one attempt per shopper per minute.
    const first = await call(app.url, "POST", "/purchase", { userId: "limited" });
    assertEquals([first.status, first.body.result], [200, "SUCCESS"]);
    const limited: Sent = {
      label: "rate limited",
      method: "POST",
      path: "/purchase",
      body: '{"userId":"limited"}',
      status: 429,
      code: "RATE_LIMITED",
    };
    const second = await send(app.url, limited);
    failures.push(checkOriginal(limited, second.status, second.body) ?? "");

    // 503 while the sale is rebuilt: its Redis state is gone (the test's own keys).
    const keys = `${app.prefix}:{1}`;
    assertEquals(await redis.del(`${keys}:meta`, `${keys}:stock`), 2);
    const rebuilding: Sent = {
      label: "rebuilding",
      method: "POST",
      path: "/purchase",
      body: '{"userId":"c"}',
      status: 503,
      code: "SALE_REBUILDING",
    };
    const during = await send(app.url, rebuilding);
    failures.push(checkOriginal(rebuilding, during.status, during.body) ?? "");

    assertEquals(failures.filter((f) => f !== ""), []);
    const [orders] = await app.sql`SELECT count(*)::int AS n FROM orders`;
    assertEquals(orders!.n, 1, "only the one good purchase was written");
  } finally {
    redis.disconnect();
    await closed.close();
    await app.close();
  }
});

Deno.test("original routes: the order check says what it found in a message", async () => {
  const app = await startTestApp();
  try {
    const none = await call(app.url, "GET", "/purchase/nobody");
    assertEquals([none.status, none.body.purchased], [200, false]);
    assert(
      typeof none.body.message === "string" && none.body.message !== "",
      JSON.stringify(none.body),
    );
    await call(app.url, "POST", "/purchase", { userId: "buyer" });
    const found = await call(app.url, "GET", "/purchase/buyer");
    assertEquals([found.status, found.body.purchased, found.body.order?.userId], [
      200,
      true,
      "buyer",
    ]);
    assert(
      typeof found.body.message === "string" && found.body.message !== "",
      JSON.stringify(found.body),
    );
  } finally {
    await app.close();
  }
});

Deno.test("original routes: every successful answer says what happened in a message too", async () => {
  const app = await startTestApp();
  try {
    const start = new Date(Date.now() - 60_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    const answers = [
      ["GET /sale/status", await call(app.url, "GET", "/sale/status")],
      ["GET /sale/stats", await call(app.url, "GET", "/sale/stats")],
      [
        "PUT /sale/1/times",
        await call(app.url, "PUT", "/sale/1/times", {
          startTime: start,
          endTime: end,
        }, admin),
      ],
      ["POST /sale/init-stock", await call(app.url, "POST", "/sale/init-stock", undefined, admin)],
      ["POST /sale/recovery", await call(app.url, "POST", "/sale/recovery", undefined, admin)],
      ["POST /sale/reset", await call(app.url, "POST", "/sale/reset", { stock: 10 }, admin)],
    ] as const;
    const missing = answers
      .filter(([, a]) => a.status !== 200 || typeof a.body.message !== "string" || !a.body.message)
      .map(([label, a]) => `${label}: ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
    assertEquals(missing, []);
  } finally {
    await app.close();
  }
});

Deno.test("the /api routes keep the error object alone", async () => {
  const app = await startTestApp();
  try {
    const bad = await send(app.url, {
      label: "",
      method: "POST",
      path: "/api/sales/1/purchase",
      body: "{",
      status: 400,
      code: "INVALID_JSON",
    });
    assertEquals(bad, {
      status: 400,
      body: { error: { code: "INVALID_JSON", message: "The request body is not valid JSON." } },
    });
    const unknown = await call(app.url, "GET", "/api/nope");
    assertEquals(unknown, {
      status: 404,
      body: { error: { code: "NOT_FOUND", message: "No such resource." } },
    });
    const locked = await call(app.url, "POST", "/api/admin/sales/1/reconcile");
    assertEquals(locked, {
      status: 401,
      body: {
        error: { code: "UNAUTHORIZED", message: "A valid admin bearer token is required." },
      },
    });
    const method = await call(app.url, "PUT", "/api/sales/1/purchase");
    assertEquals(method, {
      status: 405,
      body: { error: { code: "METHOD_NOT_ALLOWED", message: "Method not allowed." } },
    });
  } finally {
    await app.close();
  }
});
