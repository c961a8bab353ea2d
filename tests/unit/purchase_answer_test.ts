import { errorBody, ERRORS, originalErrorBody } from "../../lib/domain/errors.ts";
import type { Order } from "../../lib/domain/order.ts";
import {
  LUA_REPLY,
  OUTCOMES,
  purchaseAnswer,
  type PurchaseOutcome,
} from "../../lib/domain/outcome.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

const order: Order = {
  id: "01a2131b-9e72-7e7c-bdfb-71a8561dd4f2",
  saleId: 3,
  userId: "alice",
  quantity: 2,
  status: "confirmed",
  createdAt: new Date(Date.UTC(2030, 0, 1)),
};
const orderOut = {
  id: order.id,
  saleId: 3,
  userId: "alice",
  quantity: 2,
  status: "confirmed",
  createdAt: "2030-01-01T00:00:00.000Z",
};

/** Each answered outcome, its API and seed statuses, and the exact body it must give. */
const CASES: {
  outcome: PurchaseOutcome;
  api: number;
  seed: number;
  body: Record<string, unknown>;
}[] = [
  {
    outcome: { result: "SUCCESS", order, remainingStock: 5 },
    api: 201,
    seed: 200,
    body: { result: "SUCCESS", message: "Purchase confirmed.", order: orderOut, remainingStock: 5 },
  },
  {
    outcome: { result: "PENDING", order, remainingStock: 4 },
    api: 202,
    seed: 202,
    body: {
      result: "PENDING",
      message: "Your item is reserved; the order is being confirmed.",
      order: orderOut,
      remainingStock: 4,
      status: "pending",
    },
  },
  {
    outcome: { result: "ALREADY_PURCHASED", order },
    api: 409,
    seed: 409,
    body: {
      result: "ALREADY_PURCHASED",
      message: "You already have an order in this sale.",
      order: orderOut,
      error: { code: "ALREADY_PURCHASED", message: "You already have an order in this sale." },
    },
  },
  {
    outcome: { result: "SOLD_OUT", remainingStock: 1 },
    api: 410,
    seed: 410,
    body: {
      result: "SOLD_OUT",
      message: "Sold out.",
      remainingStock: 1,
      error: { code: "SOLD_OUT", message: "Sold out." },
    },
  },
  {
    outcome: { result: "SALE_NOT_ACTIVE", status: "UPCOMING" },
    api: 403,
    seed: 403,
    body: {
      result: "SALE_NOT_ACTIVE",
      message: "The sale has not started yet.",
      error: { code: "SALE_NOT_ACTIVE", message: "The sale has not started yet." },
    },
  },
  {
    outcome: { result: "SALE_NOT_ACTIVE", status: "ENDED" },
    api: 403,
    seed: 403,
    body: {
      result: "SALE_NOT_ACTIVE",
      message: "The sale has ended.",
      error: { code: "SALE_NOT_ACTIVE", message: "The sale has ended." },
    },
  },
  {
    outcome: { result: "SALE_NOT_FOUND" },
    api: 404,
    seed: 404,
    body: {
      result: "SALE_NOT_FOUND",
      message: "No such sale.",
      error: { code: "SALE_NOT_FOUND", message: "No such sale." },
    },
  },
];

Deno.test("purchaseAnswer maps every answered outcome to its status and body", () => {
  for (const c of CASES) {
    const label = `${c.outcome.result} ${JSON.stringify(c.body.message)}`;
    const api = { status: c.api, body: c.body, headers: {} };
    assertEquals(purchaseAnswer(c.outcome, "api"), api, label);
    assertEquals(purchaseAnswer(c.outcome, "original"), { ...api, status: c.seed }, label);
  }
});

Deno.test("purchaseAnswer: the error object appears exactly on statuses >= 400", () => {
  for (const surface of ["api", "original"] as const) {
    for (const c of CASES) {
      const { status, body } = purchaseAnswer(c.outcome, surface);
      assertEquals("error" in body, status >= 400, `${c.outcome.result} at ${status}`);
    }
  }
});

Deno.test("the status columns: API 201 on SUCCESS, the original's 200, every refusal the same", () => {
  const statuses = Object.fromEntries(
    Object.entries(OUTCOMES).map(([result, row]) => [result, [row.api, row.original]]),
  );
  assertEquals(statuses, {
    SUCCESS: [201, 200],
    PENDING: [202, 202],
    ALREADY_PURCHASED: [409, 409],
    SOLD_OUT: [410, 410],
    SALE_NOT_ACTIVE: [403, 403],
    SALE_NOT_FOUND: [404, 404],
    QUANTITY_OVER_LIMIT: [400, 400],
    SALE_REBUILDING: [503, 503],
    VOIDED: [503, 503],
    RATE_LIMITED: [429, 429],
    ADMISSION_REQUIRED: [403, 403],
    ADMISSION_INVALID: [403, 403],
  });
});

Deno.test("refusals of the request or moment are values answered with their error shape", () => {
  const cases: [PurchaseOutcome, number, string, string, Record<string, string>][] = [
    [
      { result: "QUANTITY_OVER_LIMIT", limit: 3 },
      400,
      "QUANTITY_OVER_LIMIT",
      "The quantity is above the per-shopper limit of 3.",
      {},
    ],
    [{ result: "SALE_REBUILDING" }, 503, "SALE_REBUILDING", ERRORS.SALE_REBUILDING.message, {
      "retry-after": "1",
    }],
    // A reservation voided by a reset is answered exactly as a rebuilding sale, as before.
    [{ result: "VOIDED" }, 503, "SALE_REBUILDING", ERRORS.SALE_REBUILDING.message, {
      "retry-after": "1",
    }],
    [
      { result: "RATE_LIMITED", retryAfterMs: 1500 },
      429,
      "RATE_LIMITED",
      ERRORS.RATE_LIMITED.message,
      {
        "retry-after": "2",
      },
    ],
  ];
  for (const [outcome, status, code, message, headers] of cases) {
    assertEquals(purchaseAnswer(outcome, "api"), {
      status,
      body: errorBody(code as "SALE_REBUILDING", message),
      headers,
    });
    assertEquals(purchaseAnswer(outcome, "original"), {
      status,
      body: originalErrorBody(code as "SALE_REBUILDING", message),
      headers,
    });
  }
});

Deno.test("the outcome table names exactly purchase.lua's reply codes", async () => {
  const lua = await Deno.readTextFile(new URL("../../lib/gate/purchase.lua", import.meta.url));
  const header = lua.slice(lua.indexOf("Returns {code"), lua.indexOf("]]"));
  const inHeader = [...header.matchAll(/^\s*\{(\d+)[,}]/gm)].map((m) => Number(m[1]));
  const named = Object.values(LUA_REPLY);
  assertEquals([...inHeader].sort(), [...named].sort(), "LUA_REPLY and the script's header agree");
  const used = new Set(Object.values(OUTCOMES).flatMap((row) => [...row.lua]));
  assertEquals([...used].sort(), [...named].sort(), "every reply ends in some outcome");
  for (const row of Object.values(OUTCOMES)) {
    assert(row.metric in OUTCOMES, `the metric label ${row.metric} is itself an outcome name`);
  }
});

Deno.test("errorBody: the standard shape, details only when given", () => {
  assertEquals(errorBody("NOT_FOUND"), {
    error: { code: "NOT_FOUND", message: "No such resource." },
  });
  assertEquals(errorBody("VALIDATION_FAILED", "bad", [{ path: "a" }]), {
    error: { code: "VALIDATION_FAILED", message: "bad", details: [{ path: "a" }] },
  });
  for (const [code, { status }] of Object.entries(ERRORS)) {
    assert(status >= 400 && status < 600, `${code} has status ${status}`);
  }
});
