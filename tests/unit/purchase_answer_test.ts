import { AppError, errorBody, ERRORS } from "../../lib/errors.ts";
import type { Order } from "../../lib/orders/order.ts";
import { API_STATUS, purchaseAnswer, SEED_STATUS } from "../../lib/sales/outcome.ts";
import type { PurchaseOutcome } from "../../lib/sales/purchase.ts";
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
    assertEquals(purchaseAnswer(c.outcome, API_STATUS), { status: c.api, body: c.body }, label);
    assertEquals(purchaseAnswer(c.outcome, SEED_STATUS), { status: c.seed, body: c.body }, label);
  }
});

Deno.test("purchaseAnswer: the error object appears exactly on statuses >= 400", () => {
  for (const statuses of [API_STATUS, SEED_STATUS]) {
    for (const c of CASES) {
      const { status, body } = purchaseAnswer(c.outcome, statuses);
      assertEquals("error" in body, status >= 400, `${c.outcome.result} at ${status}`);
    }
  }
});

Deno.test("the status tables: API 201 on SUCCESS, the seed's 200, every refusal the same 4xx", () => {
  assertEquals(API_STATUS, {
    SUCCESS: 201,
    PENDING: 202,
    ALREADY_PURCHASED: 409,
    SOLD_OUT: 410,
    SALE_NOT_ACTIVE: 403,
    SALE_NOT_FOUND: 404,
  });
  assertEquals(SEED_STATUS, { ...API_STATUS, SUCCESS: 200 });
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

Deno.test("OVER_LIMIT and REBUILDING throw AppErrors with their codes and statuses", () => {
  for (const statuses of [API_STATUS, SEED_STATUS]) {
    const over = thrown(() => purchaseAnswer({ result: "OVER_LIMIT", limit: 3 }, statuses));
    assert(over instanceof AppError, "OVER_LIMIT throws an AppError");
    assertEquals([over.code, over.status], ["QUANTITY_OVER_LIMIT", 400]);
    assertEquals(over.message, "The quantity is above the per-shopper limit of 3.");

    const rebuilding = thrown(() => purchaseAnswer({ result: "REBUILDING" }, statuses));
    assert(rebuilding instanceof AppError, "REBUILDING throws an AppError");
    assertEquals([rebuilding.code, rebuilding.status], ["SALE_REBUILDING", 503]);
    assertEquals(rebuilding.message, ERRORS.SALE_REBUILDING.message);
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
