import { z } from "zod";
import { CHECKOUT_DEFAULTS, WAITING_ROOM_DEFAULTS as DEFAULTS } from "./sale.ts";
import { USER_ID_MAX_LENGTH } from "./user_id.ts";

/** What an admin may send to create or change a sale (DESIGN §5), shared by the API and pages. */
const time = z.iso.datetime({ offset: true }).transform((s) => new Date(s)).refine(
  (d) => d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999,
  "must be between 1970 and 9999",
);

/** DESIGN §8's ranges and defaults; an object given replaces the whole setting. */
export const waitingRoomInput = z.strictObject({
  powBits: z.number().int().min(0).max(24).default(DEFAULTS.powBits),
  admissionTtlSeconds: z.number().int().min(10).max(900).default(DEFAULTS.admissionTtlSeconds),
  overbook: z.number().min(1).max(3).default(DEFAULTS.overbook),
  prequeueMinutes: z.number().int().min(0).max(1440).default(DEFAULTS.prequeueMinutes),
}).nullable();

/** DESIGN §9's range and default; null turns checkout off (orders confirmed at once). */
export const checkoutInput = z.strictObject({
  holdSeconds: z.number().int().min(30).max(3600).default(CHECKOUT_DEFAULTS.holdSeconds),
}).nullable();

const fields = {
  name: z.string().max(200).trim().min(1),
  description: z.string().max(2000),
  totalStock: z.number().int().min(0).max(10_000_000),
  perUserLimit: z.number().int().min(1).max(1000),
  startTime: time,
  endTime: time,
  waitingRoom: waitingRoomInput,
  checkout: checkoutInput,
};

export const createSaleInput = z.strictObject({
  ...fields,
  description: fields.description.default(""),
  perUserLimit: fields.perUserLimit.default(1),
  waitingRoom: fields.waitingRoom.default(null),
  checkout: fields.checkout.default(null),
});

/** A change names only what changes: no defaults here, or a PATCH would reset other fields. */
export const updateSaleInput = z.strictObject(fields).partial().refine(
  (v) => Object.values(v).some((x) => x !== undefined),
  "at least one field is required",
);

export const saleTimesInput = z.strictObject({
  startTime: fields.startTime,
  endTime: fields.endTime,
}).refine((t) => t.endTime > t.startTime, {
  message: "must be after startTime",
  path: ["endTime"],
});

/** A shopper id: visible text, no control characters, not only blanks. */
export const userIdSchema = z.string().min(1).max(USER_ID_MAX_LENGTH).regex(
  /^[^\p{Cc}\p{Cs}]+$/u,
  "must not contain control characters",
).regex(/\S/, "must not be blank");

/** The list API's page size: its default, and its most. */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

/**
 * A cursor names where a page of the list stops (the last sale shown): opaque to clients, so its
 * form may change; today the base64url of that sale's id.
 */
export function encodeCursor(saleId: number): string {
  return btoa(String(saleId)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor(cursor: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(cursor)) return null;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
  // Only the cursor this server wrote for that id: one spelling per id.
  if (!/^[1-9][0-9]{0,14}$/.test(text) || encodeCursor(Number(text)) !== cursor) return null;
  return Number(text);
}

export const cursorParam = z.string().transform((cursor, ctx) => {
  const id = decodeCursor(cursor);
  if (id === null) {
    ctx.addIssue({ code: "custom", message: "is not a cursor of this list" });
    return z.NEVER;
  }
  return id;
});

/** `GET /api/sales?limit=&cursor=&status=`. */
export const salePageQuery = z.strictObject({
  limit: z.string().regex(/^[1-9][0-9]{0,2}$/, `must be an integer from 1 to ${PAGE_MAX}`)
    .transform(Number).refine((n) => n <= PAGE_MAX, `must be at most ${PAGE_MAX}`)
    .default(PAGE_DEFAULT),
  cursor: cursorParam.optional(),
  status: z.enum(["UPCOMING", "ACTIVE", "ENDED"]).optional(),
});
