import type { Attempt } from "../../loadtest/driver.ts";
import { ADMIN_TOKEN } from "./env.ts";

export type { Attempt };

export interface Answer {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(
    base + path,
    body === undefined ? { method, headers } : {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    },
  );
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON: kept as text, which the tests then reject */ }
  return { status: res.status, body: parsed };
}

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** An admin action (`reset`, `reconcile`) on a sale, with the test token. */
export function adminAction(base: string, saleId: number, action: "reset" | "reconcile") {
  return call(base, "POST", `/api/admin/sales/${saleId}/${action}`, undefined, admin);
}

export interface SaleInput {
  name?: string;
  totalStock: number;
  perUserLimit?: number;
  startTime?: string;
  endTime?: string;
  waitingRoom?: {
    powBits?: number;
    admissionTtlSeconds?: number;
    overbook?: number;
    prequeueMinutes?: number;
  };
  checkout?: { holdSeconds?: number };
}

/** Creates a sale through the admin API, live from a minute ago for an hour unless told. */
export async function createSale(base: string, input: SaleInput): Promise<number> {
  const now = Date.now();
  const res = await call(base, "POST", "/api/admin/sales", {
    name: input.name ?? "Test sale",
    totalStock: input.totalStock,
    perUserLimit: input.perUserLimit ?? 1,
    startTime: input.startTime ?? new Date(now - 60_000).toISOString(),
    endTime: input.endTime ?? new Date(now + 3_600_000).toISOString(),
    ...(input.waitingRoom ? { waitingRoom: input.waitingRoom } : {}),
    ...(input.checkout ? { checkout: input.checkout } : {}),
  }, admin);
  if (res.status !== 201) throw new Error(`create sale: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** A purchase's answer as an attempt for the invariant checks. */
export function attemptOf(userId: string, res: Answer): Attempt {
  return {
    userId,
    status: res.status,
    result: res.body?.result ?? res.body?.error?.code ?? null,
    orderId: res.body?.order?.id ?? null,
    pending: res.body?.order?.status === "pending",
  };
}

export async function purchase(
  base: string,
  saleId: number,
  userId: string,
  quantity = 1,
): Promise<Attempt> {
  try {
    return attemptOf(
      userId,
      await call(base, "POST", `/api/sales/${saleId}/purchase`, { userId, quantity }),
    );
  } catch {
    return { userId, status: 0, result: null, orderId: null };
  }
}

/** Runs `count` tasks, `concurrency` at a time, and returns their results in order. */
export async function pool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

export function countBy<T>(
  items: T[],
  key: (t: T) => string | number | null,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = String(key(item));
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
