import type { SaleData } from "../parts/api.ts";
import type { ApiError } from "./api.ts";

/** The sale form's inputs, as typed. */
export type FormValues = Record<
  "name" | "description" | "totalStock" | "perUserLimit" | "startTime" | "endTime",
  string
>;

/** Messages by field name; `form` holds one about the whole form. */
export type FormErrors = Record<string, string>;

/** `datetime-local` works in the browser's zone, without one in its value. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

export function emptyForm(): FormValues {
  const start = Math.ceil((Date.now() + 10 * 60_000) / 60_000) * 60_000;
  return {
    name: "",
    description: "",
    totalStock: "100",
    perUserLimit: "1",
    startTime: toLocalInput(new Date(start).toISOString()),
    endTime: toLocalInput(new Date(start + 3_600_000).toISOString()),
  };
}

export function formOf(s: SaleData): FormValues {
  return {
    name: s.name,
    description: s.description,
    totalStock: String(s.totalStock),
    perUserLimit: String(s.perUserLimit),
    startTime: toLocalInput(s.startTime),
    endTime: toLocalInput(s.endTime),
  };
}

/** The form's values as the API takes them; only the changed ones when editing. */
export function payload(v: FormValues, before: FormValues | null): Record<string, unknown> {
  const all: Record<string, unknown> = {
    name: v.name,
    description: v.description,
    totalStock: v.totalStock.trim() === "" ? null : Number(v.totalStock),
    perUserLimit: v.perUserLimit.trim() === "" ? null : Number(v.perUserLimit),
    startTime: v.startTime ? new Date(v.startTime).toISOString() : "",
    endTime: v.endTime ? new Date(v.endTime).toISOString() : "",
  };
  if (!before) return all;
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(v) as (keyof FormValues)[]) {
    if (v[key] !== before[key]) changed[key] = all[key];
  }
  return changed;
}

/** A refusal of the API as messages on the fields it names, or on the whole form. */
export function errorsOf(status: number, body: ApiError): FormErrors {
  const found: FormErrors = {};
  for (const d of body.error?.details ?? []) {
    const key = (d.path ?? "").split(".")[0] || "form";
    found[key] ??= d.message ?? "is not valid";
  }
  if (body.error?.code === "STOCK_BELOW_RESERVED") {
    found.totalStock = body.error.message ?? "too low";
  }
  if (Object.keys(found).length === 0) {
    found.form = body.error?.message ?? `The server answered ${status}.`;
  }
  return found;
}
