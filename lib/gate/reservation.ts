/**
 * What purchase.lua answers for one attempt, typed, and a buyer's order as Redis keeps it (the
 * buyers hash's values): the codec between the scripts' replies and the gate's callers.
 */
import type { Reply } from "../infra/redis/client.ts";
import { LUA_REPLY } from "../domain/outcome.ts";

/** A buyer's order as Redis keeps it, enough to answer ALREADY_PURCHASED without PostgreSQL. */
export interface BuyerRecord {
  orderId: string;
  quantity: number;
  createdAtMs: number;
}

export function encodeBuyer(b: BuyerRecord): string {
  return `${b.orderId}:${b.quantity}:${b.createdAtMs}`;
}

export function decodeBuyer(value: string): BuyerRecord {
  const [orderId = "", quantity = "0", createdAtMs = "0"] = value.split(":");
  return { orderId, quantity: Number(quantity), createdAtMs: Number(createdAtMs) };
}

/** An attempt's outcomes in purchase.lua, one per reply code (LUA_REPLY), named as outcomes are. */
export type Reservation =
  | { code: "RESERVED"; remaining: number; createdAtMs: number; outboxId: string }
  /** `pending`: that order may not be in PostgreSQL yet (its outbox entry is still there). */
  | { code: "ALREADY_PURCHASED"; buyer: BuyerRecord; pending: boolean }
  | { code: "SOLD_OUT"; remaining: number }
  | { code: "NOT_STARTED" }
  | { code: "ENDED" }
  | { code: "QUANTITY_OVER_LIMIT"; limit: number }
  | { code: "SALE_REBUILDING" }
  | { code: "RATE_LIMITED"; retryAfterMs: number }
  | { code: "ADMISSION_REQUIRED" }
  | { code: "ADMISSION_INVALID" };

/** Purchase attempts allowed per window, per sale; 0 turns a limit off. */
/** One attempt's reply of purchase.lua, typed. */
export function reservation(r: Reply[]): Reservation {
  switch (r[0]) {
    case LUA_REPLY.RESERVED:
      return {
        code: "RESERVED",
        remaining: Number(r[1]),
        createdAtMs: Number(r[2]),
        outboxId: String(r[3]),
      };
    case LUA_REPLY.ALREADY_PURCHASED:
      return { code: "ALREADY_PURCHASED", buyer: decodeBuyer(String(r[1])), pending: r[2] === 1 };
    case LUA_REPLY.SOLD_OUT:
      return { code: "SOLD_OUT", remaining: Number(r[1]) };
    case LUA_REPLY.NOT_STARTED:
      return { code: "NOT_STARTED" };
    case LUA_REPLY.ENDED:
      return { code: "ENDED" };
    case LUA_REPLY.QUANTITY_OVER_LIMIT:
      return { code: "QUANTITY_OVER_LIMIT", limit: Number(r[1]) };
    case LUA_REPLY.SALE_REBUILDING:
      return { code: "SALE_REBUILDING" };
    case LUA_REPLY.RATE_LIMITED:
      return { code: "RATE_LIMITED", retryAfterMs: Math.max(1, Number(r[1])) };
    case LUA_REPLY.ADMISSION_REQUIRED:
      return { code: "ADMISSION_REQUIRED" };
    case LUA_REPLY.ADMISSION_INVALID:
      return { code: "ADMISSION_INVALID" };
    default:
      throw new Error(`purchase.lua returned unknown code ${JSON.stringify(r)}`);
  }
}
