import { z } from "zod";
import { USER_ID_MAX_LENGTH } from "./user_id.ts";

/** What an admin may send to create or change a sale (DESIGN §5), shared by the API and pages. */
const time = z.iso.datetime({ offset: true }).transform((s) => new Date(s)).refine(
  (d) => d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999,
  "must be between 1970 and 9999",
);

const fields = {
  name: z.string().max(200).trim().min(1),
  description: z.string().max(2000),
  totalStock: z.number().int().min(0).max(10_000_000),
  perUserLimit: z.number().int().min(1).max(1000),
  startTime: time,
  endTime: time,
};

export const createSaleInput = z.strictObject({
  ...fields,
  description: fields.description.default(""),
  perUserLimit: fields.perUserLimit.default(1),
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
