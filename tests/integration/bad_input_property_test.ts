/**
 * Property-based bad input (npm:fast-check): generated bodies, content types, headers, path and
 * query parameters, mixed with naughty strings. Every answer must be a 4xx with `{error: {code,
 * message}}` and no internal detail, and nothing may be written. BAD_INPUT_RUNS sets the cases per
 * route (2,000 by default; `deno task faults --long` is not involved: set it by hand for more).
 * The requests go through `app.fetch` (no sockets), so 2,000 × 10 routes take seconds.
 */
import fc from "fast-check";
import { buildApp } from "../../app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import {
  BAD_IDS,
  BAD_QUANTITIES,
  BAD_TYPES,
  BAD_USER_IDS,
  checkRefusal,
} from "../helpers/bad_input.ts";
import { admin, createSale } from "../helpers/client.ts";
import { written } from "../helpers/written.ts";

const RUNS = Number(Deno.env.get("BAD_INPUT_RUNS") ?? "2000");

/** Strings that have broken parsers, loggers and databases before. */
const NAUGHTY = [
  "",
  " ",
  "\u0000",
  "\t\r\n",
  "undefined",
  "null",
  "NaN",
  "-0",
  "1e400",
  "0x1",
  "../../etc/passwd",
  "%00",
  "%2e%2e%2f",
  "' OR '1'='1",
  "'; DROP TABLE orders; --",
  "<script>alert(1)</script>",
  "{{7*7}}",
  "${jndi:ldap://x}",
  "__proto__",
  "constructor",
  "\u202e",
  "\ufeff",
  "\ud800",
  "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗͈",
  "😀".repeat(40),
  "a".repeat(256),
  "\u00ad",
  "*",
  "\\",
  '"',
  "fs:{1}:stock",
  "EVAL",
];

const naughty = fc.constantFrom(...NAUGHTY);
const text = fc.oneof(naughty, fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }));

/** Any JSON value, naughty strings included. */
const json = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(text, fc.jsonValue()),
  naughty,
);

/** A value that is never a valid shopper id (userIdSchema). */
const badUserId = fc.oneof(
  fc.constantFrom(...BAD_USER_IDS).map((raw) => raw === null ? undefined : JSON.parse(raw)),
  fc.string({ minLength: 256, maxLength: 400 }),
  fc.string().map((s) => `${s}\u0007`),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object()),
);

/** A value that is never a valid quantity (an integer 1..limit). */
const badQuantity = fc.oneof(
  fc.constantFrom(...BAD_QUANTITIES).map((raw) => JSON.parse(raw)),
  fc.integer({ max: 0 }),
  fc.integer({ min: 1001 }),
  fc.double({ noInteger: true }),
  text,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer()),
);

/** Bodies a purchase must refuse: wrong shape, bad field, unknown field, or no userId at all. */
const badPurchase = fc.oneof(
  json.filter((v) => typeof v !== "object" || v === null || Array.isArray(v) || !("userId" in v)),
  fc.record({ userId: badUserId, quantity: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ userId: fc.constant("shopper"), quantity: badQuantity }),
  fc.record({ userId: fc.constant("shopper"), extra: json }),
);

/** Admin sale bodies that must be refused: each breaks one rule of createSaleInput. */
const badSale = fc.oneof(
  json.filter((v) => typeof v !== "object" || v === null || Array.isArray(v) || !("name" in v)),
  fc.record({
    name: fc.oneof(fc.constantFrom("", "  "), fc.integer(), fc.string({ minLength: 201 })),
    totalStock: fc.integer({ min: 0, max: 10 }),
    startTime: fc.constant("2030-01-01T00:00:00Z"),
    endTime: fc.constant("2030-01-02T00:00:00Z"),
  }),
  fc.record({
    name: fc.constant("x"),
    totalStock: fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), text),
    startTime: fc.constant("2030-01-01T00:00:00Z"),
    endTime: fc.constant("2030-01-02T00:00:00Z"),
  }),
  fc.record({
    name: fc.constant("x"),
    totalStock: fc.constant(1),
    startTime: text,
    endTime: fc.oneof(text, fc.integer()),
  }),
);

/** A path segment that is not a positive integer id (after URL encoding, as a client sends it). */
const badId = fc.oneof(naughty, fc.string(), fc.integer({ max: 0 }).map(String)).filter((s) =>
  !/^[1-9][0-9]{0,14}$/.test(s)
);

/** A path segment as a client would send it; lone surrogates become U+FFFD first. */
const segment = (s: string) => encodeURIComponent(s.toWellFormed());

/** Raw segments with broken percent escapes, sent as they are. */
const RAW_SEGMENTS = ["%", "%zz", "%00", "%ED%A0%80", "%C0%AF", "%2F..%2F", "%FF%FE", ...BAD_IDS];

/** Content types other than application/json (null: none at all). */
const wrongType = fc.oneof(
  fc.constantFrom(...BAD_TYPES, "*/*"),
  fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz/+;= -".split("")) })
    .filter((s) => !/^application\/json\s*(;|$)/i.test(s)),
);

/** A header value fetch accepts: visible ASCII, no leading or trailing blanks. */
const headerValue = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
});

Deno.test("property: generated bad input on every route answers a clean 4xx and writes nothing", async () => {
  // Each wrong admin token comes from an address of its own (through one trusted proxy hop), so
  // the failed sign-in throttle does not turn the 401s under test into 429s.
  const app = await startTestApp({ TRUSTED_PROXY_HOPS: "1" });
  try {
    const saleId = await createSale(app.url, { totalStock: 10, perUserLimit: 2 });
    const fetchApp = buildApp(app.platform).fetch;
    const before = await written(app.sql, app.platform.gate);

    /** Sends one request and checks the answer's shape; returns status and error code. */
    const send = async (
      method: string,
      path: string,
      init: { body?: BodyInit; headers?: Record<string, string> } = {},
    ) => {
      const res = await fetchApp(
        new Request(`http://127.0.0.1${path}`, { method, ...init }),
      );
      const label = `${method} ${path} ${String(init.body ?? "").slice(0, 200)}`;
      return { status: res.status, code: checkRefusal(res.status, await res.text(), label) };
    };
    const jsonType = { "content-type": "application/json" };
    const run = async <T>(arb: fc.Arbitrary<T>, check: (v: T) => Promise<void>) => {
      await fc.assert(fc.asyncProperty(arb, check), { numRuns: RUNS });
    };

    // Bodies of the purchase routes.
    await run(badPurchase, async (b) => {
      const r = await send("POST", `/api/sales/${saleId}/purchase`, {
        body: JSON.stringify(b),
        headers: jsonType,
      });
      assertEquals(r.status, 400);
    });
    await run(badPurchase, async (b) => {
      const r = await send("POST", "/purchase", { body: JSON.stringify(b), headers: jsonType });
      assertEquals(r.status, 400);
    });
    // Raw text that is not JSON at all.
    await run(
      text.filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      }),
      async (s) => {
        const r = await send("POST", `/api/sales/${saleId}/purchase`, {
          body: s,
          headers: jsonType,
        });
        assertEquals([r.status, r.code], [400, "INVALID_JSON"]);
      },
    );
    // Wrong content types: 415, whatever the body.
    await run(fc.tuple(wrongType, json), async ([type, b]) => {
      const r = await send("POST", `/api/sales/${saleId}/purchase`, {
        body: JSON.stringify({ userId: "shopper", quantity: 1, b }),
        headers: type === null ? {} : { "content-type": type },
      });
      assertEquals([r.status, r.code], [415, "UNSUPPORTED_MEDIA_TYPE"]);
    });
    // Bodies over MAX_BODY_BYTES: 413, declared or not.
    const max = app.config.MAX_BODY_BYTES;
    await run(fc.integer({ min: max + 1, max: max * 8 }), async (size) => {
      const r = await send("POST", "/purchase", {
        body: JSON.stringify({ userId: "x".repeat(size) }),
        headers: jsonType,
      });
      assertEquals([r.status, r.code], [413, "PAYLOAD_TOO_LARGE"]);
    });
    // Admin bodies (authorised) and admin headers (not).
    await run(badSale, async (b) => {
      const r = await send("POST", "/api/admin/sales", {
        body: JSON.stringify(b),
        headers: { ...jsonType, ...admin },
      });
      assertEquals(r.status, 400);
    });
    await run(badSale, async (b) => {
      const r = await send("PATCH", `/api/admin/sales/${saleId}`, {
        body: JSON.stringify(b),
        headers: { ...jsonType, ...admin },
      });
      assertEquals(r.status, 400);
    });
    let signIns = 0;
    await run(
      fc.tuple(
        fc.oneof(headerValue, headerValue.map((v) => `Bearer ${v}`)),
        fc.constantFrom(
          ["POST", "/api/admin/sales"],
          ["POST", `/api/admin/sales/${saleId}/reset`],
          ["POST", "/sale/reset"],
          ["PATCH", `/api/admin/sales/${saleId}`],
        ),
      ),
      async ([authorization, [method, path]]) => {
        signIns++;
        const r = await send(method!, path!, {
          body: "{}",
          headers: {
            ...jsonType,
            authorization,
            "x-forwarded-for": `10.9.${signIns >> 8}.${signIns & 255}`,
          },
        });
        assertEquals([r.status, r.code], [401, "UNAUTHORIZED"]);
      },
    );
    // Path and query parameters.
    const idSegment = fc.oneof(badId.map(segment), fc.constantFrom(...RAW_SEGMENTS));
    await run(
      fc.tuple(idSegment, fc.constantFrom("", "/purchase", "/orders/x")),
      async ([id, rest]) => {
        const r = await send(
          rest === "/purchase" ? "POST" : "GET",
          `/api/sales/${id}${rest}`,
          { body: rest === "/purchase" ? '{"userId":"a"}' : undefined, headers: jsonType } as {
            headers: Record<string, string>;
          },
        );
        // "." and ".." segments are resolved by URL rules, so another route may answer (405).
        assert([400, 404, 405].includes(r.status), `${id}: ${r.status}`);
      },
    );
    await run(fc.tuple(text, text), async ([userId, q]) => {
      const r = await send(
        "GET",
        `/api/sales/${saleId}/orders/${segment(userId)}?${segment(q)}=1`,
      );
      assert([400, 404].includes(r.status), `${userId}: ${r.status}`);
    });
    await run(badId, async (id) => {
      const r = await send("GET", `/sale/status?saleId=${segment(id)}`);
      assertEquals(r.status, 400);
    });

    assertEquals(await written(app.sql, app.platform.gate), before, "nothing was written");
  } finally {
    await app.close();
  }
});
