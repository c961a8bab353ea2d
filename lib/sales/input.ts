import { z } from "zod";

/** What an admin may send to create or change a sale (DESIGN §5), shared by the API and pages. */
const time = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const createSaleInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(""),
  totalStock: z.number().int().min(0).max(10_000_000),
  perUserLimit: z.number().int().min(1).max(1000).default(1),
  startTime: time,
  endTime: time,
});

export const updateSaleInput = createSaleInput.partial().strict().refine(
  (v) => Object.keys(v).length > 0,
  "at least one field is required",
);

export const saleTimesInput = z.strictObject({ startTime: time, endTime: time });
