import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { admin, call, createSale } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";

/** One malformed request and the exact answer it must get. */
interface BadRequest {
  label: string;
  method: string;
  path: string;
  /** Raw body text (or bytes, or a stream); undefined sends no body. */
  body?: string | Uint8Array<ArrayBuffer> | (() => ReadableStream<Uint8Array<ArrayBuffer>>);
  /** Content type; null sends none. Defaults to application/json when there is a body. */
  contentType?: string | null;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

const HOUR = 3_600_000;
const JSON_TYPE = "application/json";
const enc = new TextEncoder();

/** Text that must never reach a client: stack frames, file paths, driver internals. */
const LEAKS: [string, RegExp][] = [
  ["stack frame", /\n\s*at |\bat (?:async )?\S+ \(|:\d+:\d+\)/],
  ["Error:", /Error:/],
  ["a file path", /\/work\/|file:\/\/|node_modules|ext:deno/i],
  ["postgres internals", /postgres|sqlstate|relation "|violates|syntax error at/i],
  ["redis internals", /redis|\bWRONGTYPE\b|\bNOSCRIPT\b|\.lua\b/i],
  ["a redis error reply", /\bERR /],
];

/** A body with `field` replaced by raw JSON text (so 1e400, -0 and bad escapes survive). */
function withRaw(base: Record<string, unknown>, field: string, rawValue: string | null): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(base)) {
    if (k === field) continue;
    parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  if (rawValue !== null) parts.push(`${JSON.stringify(field)}:${rawValue}`);
  return `{${parts.join(",")}}`;
}

/** Non-JSON bodies, sent as application/json. */
const NOT_JSON = [
  "",
  " ",
  "hello",
  "{",
  "}",
  "[",
  "nul",
  "undefined",
  "NaN",
  "{'userId':'a'}",
  '{userId:"a"}',
  '{"userId":"a",}',
  '{"userId":"a"} trailing',
  '{"userId":"a"}{"userId":"b"}',
  '{"userId":"a\\x41"}',
  '{"userId":"\\ud83"}',
  "\u0000",
  "<xml/>",
  "userId=a&quantity=1",
];

/** JSON texts whose top level is not an object. */
const NOT_OBJECTS = ["[]", '[{"userId":"a"}]', "1", "-1", '"userId"', "null", "true", "false"];

/** JSON values of the wrong type for any field. */
const WRONG_TYPES = ["null", "true", "[]", '["a"]', "{}", '{"a":1}', '{"$gt":""}', "0.5"];

/** Content types the JSON routes must refuse with 415 (null: no content-type at all). */
const BAD_TYPES: (string | null)[] = [
  null,
  "text/plain",
  "text/plain; charset=utf-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/xml",
  "text/json",
  "application/jsonp",
  "application/json-patch+json",
  "application/javascript",
  "json",
];

/** Path ids that are not positive integers. */
const BAD_IDS = [
  "0",
  "00",
  "01",
  "-1",
  "1.5",
  "1.0",
  "abc",
  "1e3",
  "0x1",
  "+1",
  "1,2",
  "1%20",
  "%201",
  "%00",
  "1%00",
  "9".repeat(16),
  "9".repeat(40),
  "%E0%A4%A",
  "%F0%9F%98%80",
  "Infinity",
  "NaN",
  "null",
];

function oversized(base: Record<string, unknown>, bytes: number): string {
  return JSON.stringify({ ...base, pad: "x".repeat(bytes) });
}

function streamOf(text: string): () => ReadableStream<Uint8Array<ArrayBuffer>> {
  return () =>
    new ReadableStream({
      start(controller) {
        const bytes = enc.encode(text);
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
        controller.close();
      },
    });
}

/** Malformed bodies common to every JSON route, built around one valid body. */
function bodyCases(
  method: string,
  path: string,
  valid: Record<string, unknown>,
  headers: Record<string, string>,
): BadRequest[] {
  const out: BadRequest[] = [];
  const at = (label: string) => `${method} ${path}: ${label}`;
  for (const text of NOT_JSON) {
    out.push({
      label: at(`not JSON ${JSON.stringify(text)}`),
      method,
      path,
      body: text,
      headers,
      status: 400,
      code: "INVALID_JSON",
    });
  }
  const whole = JSON.stringify(valid);
  for (let n = 1; n < whole.length; n += Math.max(1, Math.floor(whole.length / 25))) {
    out.push({
      label: at(`truncated to ${n} chars`),
      method,
      path,
      body: whole.slice(0, n),
      headers,
      status: 400,
      code: "INVALID_JSON",
    });
  }
  out.push({
    label: at("invalid UTF-8"),
    method,
    path,
    body: new Uint8Array([...enc.encode('{"userId":"'), 0xff, 0xfe, ...enc.encode('"}')]),
    contentType: JSON_TYPE,
    headers,
    status: 400,
    code: "INVALID_JSON",
  });
  for (const text of NOT_OBJECTS) {
    out.push({
      label: at(`top level ${text}`),
      method,
      path,
      body: text,
      headers,
      status: 400,
      code: "VALIDATION_FAILED",
    });
  }
  for (const extra of ["extra", "id", "status", "__proto__", "constructor", "USERID", ""]) {
    out.push({
      label: at(`unknown field ${JSON.stringify(extra)}`),
      method,
      path,
      body: withRaw(valid, extra, '{"polluted":true}'),
      headers,
      status: 400,
      code: "VALIDATION_FAILED",
    });
  }
  for (const type of BAD_TYPES) {
    out.push({
      label: at(`content-type ${type}`),
      method,
      path,
      body: type === null ? enc.encode(whole) : whole,
      contentType: type,
      headers,
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    });
  }
  for (const size of [4097, 5000, 100_000]) {
    out.push({
      label: at(`body of ${size}+ bytes`),
      method,
      path,
      body: oversized(valid, size),
      headers,
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
    });
  }
  out.push({
    label: at("streamed body over the limit, no content-length"),
    method,
    path,
    body: streamOf(oversized(valid, 6000)),
    headers,
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  });
  return out;
}

/** Bad values for one field: each must be refused 400 VALIDATION_FAILED. */
function fieldCases(
  method: string,
  path: string,
  valid: Record<string, unknown>,
  headers: Record<string, string>,
  field: string,
  rawValues: (string | null)[],
  code = "VALIDATION_FAILED",
): BadRequest[] {
  return rawValues.map((raw) => ({
    label: `${method} ${path}: ${field} = ${raw === null ? "(missing)" : raw.slice(0, 40)}`,
    method,
    path,
    body: withRaw(valid, field, raw),
    headers,
    status: 400,
    code,
  }));
}

const BAD_USER_IDS = [
  null,
  "1",
  "0",
  "1.5",
  ...WRONG_TYPES,
  '""',
  JSON.stringify("x".repeat(256)),
  JSON.stringify("x".repeat(1000)),
  JSON.stringify("a\u0000b"),
  JSON.stringify("a\nb"),
  JSON.stringify("\t"),
  JSON.stringify("a\r\n"),
  JSON.stringify("a\u001b[31m"),
  JSON.stringify(" "),
  JSON.stringify("   "),
  JSON.stringify("a\u007f"),
  JSON.stringify("\u0085"),
  '"\\ud800"',
  '"a\\udfff"',
];

const BAD_QUANTITIES = [
  "0",
  "-0",
  "-1",
  "-1000",
  "1.5",
  "0.5",
  "1.000001",
  "1001",
  "1000000",
  "9007199254740993",
  "1e308",
  "1e400",
  "-1e400",
  '"1"',
  '"one"',
  '""',
  ...WRONG_TYPES.filter((v) => v !== "0.5"),
];

const BAD_TIMES = [
  null,
  '""',
  '"0000-01-01T00:00:00Z"',
  '"1969-12-31T23:59:59Z"',
  '"tomorrow"',
  '"2024-01-01"',
  '"2024-01-01 00:00:00"',
  '"2024-01-01T00:00:00"',
  '"2024-02-30T00:00:00Z"',
  '"2023-02-29T00:00:00Z"',
  '"2024-13-01T00:00:00Z"',
  '"2024-01-01T24:00:00Z"',
  '"2024-01-01T00:00:60Z"',
  '"2024-01-01T00:00:00+25:00"',
  '"Mon, 01 Jan 2024 00:00:00 GMT"',
  "1700000000000",
  "0",
  ...WRONG_TYPES,
];

async function send(base: string, r: BadRequest): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  const type = r.contentType === undefined
    ? (r.body === undefined ? null : JSON_TYPE)
    : r.contentType;
  if (type !== null) headers["content-type"] = type;
  const body = typeof r.body === "function" ? r.body() : r.body;
  const res = await fetch(base + r.path, { method: r.method, headers, body: body ?? null });
  return { status: res.status, text: await res.text() };
}

function checkAnswer(r: BadRequest, status: number, text: string): void {
  const label = `${r.label} -> ${status} ${text.slice(0, 300)}`;
  assert(status >= 400 && status < 500, `not a 4xx: ${label}`);
  for (const [what, pattern] of LEAKS) assert(!pattern.test(text), `leaks ${what}: ${label}`);
  let body: { error?: { code?: unknown; message?: unknown }; result?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${label}`);
  }
  assertEquals(typeof body.error?.code, "string", `error.code: ${label}`);
  assertEquals(typeof body.error?.message, "string", `error.message: ${label}`);
  assertEquals([status, body.error?.code], [r.status, r.code], label);
}

Deno.test("hundreds of malformed requests: each a clean 4xx error, and nothing is written", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 10, perUserLimit: 2 });
    const snapshot = async () => {
      const [counts] = await app.sql`
        SELECT (SELECT count(*)::int FROM orders) AS orders,
               (SELECT count(*)::int FROM sales) AS sales`;
      const rows = await app.sql`
        SELECT id, name, description, total_stock, per_user_limit, start_time, end_time,
               updated_at
        FROM sales ORDER BY id`;
      return {
        orders: counts!.orders as number,
        sales: counts!.sales as number,
        rows: rows.map((r) => ({ ...r })),
        stock: await app.platform.gate.readStock(saleId),
        seedStock: await app.platform.gate.readStock(1),
      };
    };
    const before = await snapshot();
    assertEquals([before.orders, before.sales, before.stock, before.seedStock], [0, 2, 10, 100]);

    const none = {};
    const auth = { ...admin };
    const purchasePath = `/api/sales/${saleId}/purchase`;
    const validPurchase = { userId: "shopper-1", quantity: 1 };
    const validSeed = { userId: "shopper-1", saleId, quantity: 1 };
    const now = Date.now();
    const validCreate = {
      name: "Never created",
      description: "",
      totalStock: 5,
      perUserLimit: 1,
      startTime: new Date(now - HOUR).toISOString(),
      endTime: new Date(now + HOUR).toISOString(),
    };
    const patchPath = `/api/admin/sales/${saleId}`;
    const [window] = await app.sql`SELECT start_time, end_time FROM sales WHERE id = ${saleId}`;
    const saleStart = (window!.start_time as Date).getTime();
    const saleEnd = (window!.end_time as Date).getTime();
    const iso = (ms: number) => JSON.stringify(new Date(ms).toISOString());

    const cases: BadRequest[] = [
      // POST /api/sales/:id/purchase
      ...bodyCases("POST", purchasePath, validPurchase, none),
      ...fieldCases("POST", purchasePath, validPurchase, none, "userId", BAD_USER_IDS),
      ...fieldCases("POST", purchasePath, validPurchase, none, "quantity", BAD_QUANTITIES),
      // Over the sale's limit of 2: refused by the business rule, still a 400.
      ...fieldCases(
        "POST",
        purchasePath,
        validPurchase,
        none,
        "quantity",
        ["3", "1000"],
        "QUANTITY_OVER_LIMIT",
      ),
      ...fieldCases("POST", purchasePath, validPurchase, none, "saleId", [String(saleId)]),
      ...BAD_IDS.map((id) => ({
        label: `POST /api/sales/${id}/purchase`,
        method: "POST",
        path: `/api/sales/${id}/purchase`,
        body: JSON.stringify(validPurchase),
        status: 400,
        code: "VALIDATION_FAILED",
      })),
      ...["99999", "999999999999999"].map((id) => ({
        label: `purchase in unknown sale ${id}`,
        method: "POST",
        path: `/api/sales/${id}/purchase`,
        body: JSON.stringify(validPurchase),
        status: 404,
        code: "SALE_NOT_FOUND",
      })),

      // POST /purchase (the seed's route; sale 1 when saleId is missing)
      ...bodyCases("POST", "/purchase", validSeed, none),
      ...fieldCases("POST", "/purchase", validSeed, none, "userId", BAD_USER_IDS),
      ...fieldCases("POST", "/purchase", validSeed, none, "quantity", BAD_QUANTITIES),
      ...fieldCases("POST", "/purchase", validSeed, none, "saleId", [
        "0",
        "-1",
        "1.5",
        '"1"',
        "9007199254740992",
        "1e400",
        ...WRONG_TYPES,
      ]),
      ...["99999", "999999999999999"].map((id) => ({
        label: `seed purchase in unknown sale ${id}`,
        method: "POST",
        path: "/purchase",
        body: JSON.stringify({ ...validSeed, saleId: Number(id) }),
        status: 404,
        code: "SALE_NOT_FOUND",
      })),

      // POST /api/admin/sales
      ...bodyCases("POST", "/api/admin/sales", validCreate, auth),
      ...fieldCases("POST", "/api/admin/sales", validCreate, auth, "name", [
        null,
        '""',
        '"   "',
        JSON.stringify("n".repeat(201)),
        "1",
        ...WRONG_TYPES,
      ]),
      ...fieldCases("POST", "/api/admin/sales", validCreate, auth, "description", [
        JSON.stringify("d".repeat(2001)),
        "1",
        ...WRONG_TYPES,
      ]),
      ...fieldCases("POST", "/api/admin/sales", validCreate, auth, "totalStock", [
        null,
        "-1",
        "-0.5",
        "1.5",
        "10000001",
        "1e400",
        '"5"',
        '""',
        ...WRONG_TYPES,
      ]),
      ...fieldCases("POST", "/api/admin/sales", validCreate, auth, "perUserLimit", [
        "0",
        "-1",
        "1.5",
        "1001",
        '"1"',
        ...WRONG_TYPES,
      ]),
      ...fieldCases("POST", "/api/admin/sales", validCreate, auth, "startTime", BAD_TIMES),
      ...fieldCases("POST", "/api/admin/sales", validCreate, auth, "endTime", BAD_TIMES),
      // Windows that end before (or when) they start.
      ...[0, -1, -HOUR, -48 * HOUR].map((delta) => ({
        label: `create with endTime = startTime ${delta}ms`,
        method: "POST",
        path: "/api/admin/sales",
        body: withRaw(validCreate, "endTime", iso(Date.parse(validCreate.startTime) + delta)),
        headers: auth,
        status: 400,
        code: "VALIDATION_FAILED",
      })),

      // PATCH /api/admin/sales/:id
      ...bodyCases("PATCH", patchPath, { totalStock: 7 }, auth),
      ...fieldCases("PATCH", patchPath, { name: "Renamed" }, auth, "name", [
        '""',
        '"  "',
        JSON.stringify("n".repeat(201)),
        ...WRONG_TYPES,
      ]),
      ...fieldCases("PATCH", patchPath, { name: "Renamed" }, auth, "totalStock", [
        "-1",
        "1.5",
        '"7"',
        "10000001",
        ...WRONG_TYPES,
      ]),
      ...fieldCases("PATCH", patchPath, { name: "Renamed" }, auth, "perUserLimit", [
        "0",
        "-1",
        "2.5",
        '"2"',
        ...WRONG_TYPES,
      ]),
      ...fieldCases(
        "PATCH",
        patchPath,
        { name: "Renamed" },
        auth,
        "startTime",
        BAD_TIMES.filter((t) => t !== null),
      ),
      ...fieldCases(
        "PATCH",
        patchPath,
        { name: "Renamed" },
        auth,
        "endTime",
        BAD_TIMES.filter((t) => t !== null),
      ),
      // Changes that would leave the window ending at or before its start.
      ...[
        { endTime: saleStart - HOUR },
        { endTime: saleStart },
        { startTime: saleEnd },
        { startTime: saleEnd + HOUR },
        { startTime: saleStart + HOUR, endTime: saleStart },
      ].map((times) => ({
        label: `PATCH window ${JSON.stringify(times)}`,
        method: "PATCH",
        path: patchPath,
        body: JSON.stringify(
          Object.fromEntries(Object.entries(times).map(([k, v]) => [k, new Date(v).toISOString()])),
        ),
        headers: auth,
        status: 400,
        code: "VALIDATION_FAILED",
      })),
      {
        label: "PUT /sale/:id/times ending before it starts",
        method: "PUT",
        path: `/sale/${saleId}/times`,
        body: JSON.stringify({
          startTime: iso(now + 2 * HOUR).slice(1, -1),
          endTime: iso(now + HOUR).slice(1, -1),
        }),
        headers: auth,
        status: 400,
        code: "VALIDATION_FAILED",
      },
      // An empty change (no field at all).
      {
        label: "PATCH {}",
        method: "PATCH",
        path: patchPath,
        body: "{}",
        headers: auth,
        status: 400,
        code: "VALIDATION_FAILED",
      },
      ...BAD_IDS.map((id) => ({
        label: `PATCH /api/admin/sales/${id}`,
        method: "PATCH",
        path: `/api/admin/sales/${id}`,
        body: JSON.stringify({ name: "Renamed" }),
        headers: auth,
        status: 400,
        code: "VALIDATION_FAILED",
      })),
      {
        label: "PATCH an unknown sale",
        method: "PATCH",
        path: "/api/admin/sales/99999",
        body: JSON.stringify({ name: "Renamed" }),
        headers: auth,
        status: 404,
        code: "SALE_NOT_FOUND",
      },

      // Unknown paths.
      ...[
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
      ].map(([method, path]) => ({
        label: `unknown route ${method} ${path}`,
        method: method!,
        path: path!,
        status: 404,
        code: "NOT_FOUND",
      })),
      // Known paths, wrong method.
      ...[
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
      ].map(([method, path]) => ({
        label: `wrong method ${method} ${path}`,
        method: method!,
        path: path!,
        status: 405,
        code: "METHOD_NOT_ALLOWED",
      })),

      // GET routes with bad parameters.
      ...["abc", "0", "-1", "1.5", "1e3", "%00", "9".repeat(16)].map((id) => ({
        label: `GET /api/sales/${id}`,
        method: "GET",
        path: `/api/sales/${id}`,
        status: 400,
        code: "VALIDATION_FAILED",
      })),
      {
        label: "GET unknown sale",
        method: "GET",
        path: "/api/sales/99999",
        status: 404,
        code: "SALE_NOT_FOUND",
      },
      ...["x".repeat(256), "x".repeat(500), "%00", "a%0Ab", "a%7F", "%C2%85"].map((userId) => ({
        label: `GET order of ${userId.slice(0, 20)}`,
        method: "GET",
        path: `/api/sales/${saleId}/orders/${userId}`,
        status: 400,
        code: "VALIDATION_FAILED",
      })),
      {
        label: "GET order in an unknown sale",
        method: "GET",
        path: "/api/sales/99999/orders/someone",
        status: 404,
        code: "SALE_NOT_FOUND",
      },
      {
        label: "GET order of a shopper who has none",
        method: "GET",
        path: `/api/sales/${saleId}/orders/nobody`,
        status: 404,
        code: "ORDER_NOT_FOUND",
      },
      ...["abc", "0", "-1", "1.5", "%00"].flatMap((id) =>
        ["/sale/status", "/sale/stats", "/purchase/someone"].map((path) => ({
          label: `GET ${path}?saleId=${id}`,
          method: "GET",
          path: `${path}?saleId=${id}`,
          status: 400,
          code: "VALIDATION_FAILED",
        }))
      ),
      ...["/sale/status", "/sale/stats", "/purchase/someone"].map((path) => ({
        label: `GET ${path}?saleId=99999`,
        method: "GET",
        path: `${path}?saleId=99999`,
        status: 404,
        code: "SALE_NOT_FOUND",
      })),
      {
        label: "GET /purchase/<256 chars>",
        method: "GET",
        path: `/purchase/${"x".repeat(256)}`,
        status: 400,
        code: "VALIDATION_FAILED",
      },
    ];

    // Every case is sent; failures are gathered so one run reports them all.
    const failures: string[] = [];
    for (const r of cases) {
      const { status, text } = await send(app.url, r);
      try {
        checkAnswer(r, status, text);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    assertEquals(failures, [], `${failures.length} of ${cases.length} requests misbehaved`);
    assert(cases.length >= 300, `only ${cases.length} cases`);

    const after = await snapshot();
    assertEquals(after, before, "a malformed request wrote something");

    // The app still serves a valid purchase afterwards: the refusals broke nothing.
    const ok = await call(app.url, "POST", purchasePath, validPurchase);
    assertEquals([ok.status, ok.body.result, ok.body.remainingStock], [201, "SUCCESS", 9]);
  } finally {
    await app.close();
  }
});

Deno.test("a shopper id of 255 characters buys and reads its order on every route, as the original platform allowed", async () => {
  const app = await startTestApp({ RATE_LIMIT_PER_SHOPPER: "5" });
  const { Redis } = await import("ioredis");
  const redis = new Redis(REDIS_URL);
  try {
    const saleId = await createSale(app.url, { totalStock: 10 });
    const ascii = "a".repeat(254) + "z";
    const accented = "é".repeat(255);
    const bought = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId: ascii });
    assertEquals([bought.status, bought.body.result, bought.body.order?.userId], [
      201,
      "SUCCESS",
      ascii,
    ]);
    const seed = await call(app.url, "POST", "/purchase", { userId: accented, saleId });
    assertEquals([seed.status, seed.body.result], [200, "SUCCESS"]);

    const order = await call(
      app.url,
      "GET",
      `/api/sales/${saleId}/orders/${encodeURIComponent(ascii)}`,
    );
    assertEquals([order.status, order.body.order?.userId], [200, ascii]);
    const seedOrder = await call(
      app.url,
      "GET",
      `/purchase/${encodeURIComponent(accented)}?saleId=${saleId}`,
    );
    assertEquals([seedOrder.status, seedOrder.body.purchased], [200, true]);

    // Stored whole in PostgreSQL and in Redis.
    const rows = await app.sql<{ user_id: string }[]>`
      SELECT user_id FROM orders WHERE sale_id = ${saleId} ORDER BY user_id`;
    assertEquals(rows.map((r) => r.user_id), [ascii, accented]);
    const buyers = `${app.prefix}:{${saleId}}:buyers`;
    assertEquals(await redis.hexists(buyers, ascii), 1);
    assertEquals(await redis.hexists(buyers, accented), 1);

    // 256 is still one too many.
    const over = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, {
      userId: "a".repeat(256),
    });
    assertEquals([over.status, over.body.error?.code], [400, "VALIDATION_FAILED"]);
  } finally {
    redis.disconnect();
    await app.close();
  }
});
