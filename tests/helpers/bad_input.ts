/**
 * Malformed requests shared by the bad input tests (tests/integration/bad_input/), and the one
 * check every refusal must pass: a 4xx in the stable error shape, with no internal detail.
 */
import { assert, assertEquals } from "./assert.ts";
import { startTestApp, type TestApp } from "./app.ts";
import { call, createSale } from "./client.ts";
import { assertNoLeak } from "./leaks.ts";
import { written } from "./written.ts";

/** One malformed request and the exact answer it must get. */
export interface BadRequest {
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

export const HOUR = 3_600_000;
const JSON_TYPE = "application/json";
const enc = new TextEncoder();

/** A body with `field` replaced by raw JSON text (so 1e400, -0 and bad escapes survive). */
export function withRaw(
  base: Record<string, unknown>,
  field: string,
  rawValue: string | null,
): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(base)) {
    if (k === field) continue;
    parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  if (rawValue !== null) parts.push(`${JSON.stringify(field)}:${rawValue}`);
  return `{${parts.join(",")}}`;
}

/** Non-JSON bodies, sent as application/json. */
export const NOT_JSON = [
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
export const NOT_OBJECTS = [
  "[]",
  '[{"userId":"a"}]',
  "1",
  "-1",
  '"userId"',
  "null",
  "true",
  "false",
];

/** JSON values of the wrong type for any field. */
export const WRONG_TYPES = ["null", "true", "[]", '["a"]', "{}", '{"a":1}', '{"$gt":""}', "0.5"];

/** Content types the JSON routes must refuse with 415 (null: no content-type at all). */
export const BAD_TYPES: (string | null)[] = [
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

/** Path ids that are not positive integers, as sent in a URL. */
export const BAD_IDS = [
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

/** Shopper ids as raw JSON (null: the field missing), each refused by the shopper id rule. */
export const BAD_USER_IDS = [
  null,
  "1",
  "0",
  "1.5",
  ...WRONG_TYPES,
  '""',
  JSON.stringify("x".repeat(256)),
  JSON.stringify("x".repeat(1000)),
  JSON.stringify("a\u0000b"),
  JSON.stringify("\u0000"),
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

/** Quantities as raw JSON, none an integer from 1 to the sale's limit. */
export const BAD_QUANTITIES = [
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

/** Instants as raw JSON (null: the field missing) that are not ISO 8601 date-times. */
export const BAD_TIMES = [
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
export function bodyCases(
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

/** Bad values for one field: each must be refused 400 with `code`. */
export function fieldCases(
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

/** One request per path, each answered `status` and `code`. */
export function pathCases(
  method: string,
  paths: string[],
  status: number,
  code: string,
  init: Pick<BadRequest, "body" | "headers"> = {},
): BadRequest[] {
  return paths.map((path) => ({
    label: `${method} ${path.slice(0, 60)}`,
    method,
    path,
    ...init,
    status,
    code,
  }));
}

/**
 * Checks the shape every refusal shares: a 4xx, no internal detail, `{error: {code, message}}`.
 * Returns the error code.
 */
export function checkRefusal(status: number, text: string, label: string): string {
  const where = `${label} -> ${status} ${text.slice(0, 300)}`;
  assert(status >= 400 && status < 500, `not a 4xx: ${where}`);
  assertNoLeak(text, where);
  let body: { error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${where}`);
  }
  assertEquals(typeof body.error?.code, "string", `error.code: ${where}`);
  assertEquals(typeof body.error?.message, "string", `error.message: ${where}`);
  return body.error?.code as string;
}

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

/**
 * Starts an app holding sale 1 (stock 100) and a sale of stock 10, limit 2, none bought yet, and
 * sends every case `build` makes for it. Each must get its exact refusal; failures are gathered so
 * one run reports them all. Then nothing may have been written, and a valid purchase must still
 * sell: the refusals broke nothing.
 */
export async function assertAllRefused(
  build: (app: TestApp, saleId: number) => BadRequest[] | Promise<BadRequest[]>,
  atLeast: number,
  /** The app's configuration, beyond the test defaults. */
  env: Record<string, string> = {},
): Promise<void> {
  const app = await startTestApp(env);
  try {
    const saleId = await createSale(app.url, { totalStock: 10, perUserLimit: 2 });
    const before = await written(app.sql, app.platform.gate);
    assertEquals([before.orders, before.sales, before.stock[saleId], before.stock[1]], [
      0,
      2,
      10,
      100,
    ]);
    const cases = await build(app, saleId);
    const failures: string[] = [];
    for (const r of cases) {
      const { status, text } = await send(app.url, r);
      try {
        const code = checkRefusal(status, text, r.label);
        assertEquals([status, code], [r.status, r.code], `${r.label} -> ${text.slice(0, 300)}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    assertEquals(failures, [], `${failures.length} of ${cases.length} requests misbehaved`);
    assert(cases.length >= atLeast, `only ${cases.length} cases`);
    assertEquals(await written(app.sql, app.platform.gate), before, "a refused request wrote");

    const ok = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, {
      userId: "shopper-1",
      quantity: 1,
    });
    assertEquals([ok.status, ok.body.result, ok.body.remainingStock], [201, "SUCCESS", 9]);
  } finally {
    await app.close();
  }
}
