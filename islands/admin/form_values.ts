import {
  type Checkout,
  CHECKOUT_DEFAULTS,
  WAITING_ROOM_DEFAULTS,
  type WaitingRoom,
} from "../../lib/domain/sale.ts";
import type { SaleData } from "../parts/api.ts";
import type { ApiError } from "./api.ts";

/** The waiting room's settings, each an input of the form. */
export const ROOM_FIELDS = [
  "powBits",
  "admissionTtlSeconds",
  "overbook",
  "prequeueMinutes",
] as const satisfies readonly (keyof WaitingRoom)[];

/**
 * The sale form's inputs, as typed. `waitingRoom` and `checkout` are checkboxes: "on" or "". Their
 * settings keep what was typed while they are off, so turning them on again brings them back.
 */
export type FormValues = Record<
  | "name"
  | "description"
  | "totalStock"
  | "perUserLimit"
  | "startTime"
  | "endTime"
  | "waitingRoom"
  | (typeof ROOM_FIELDS)[number]
  | "checkout"
  | "holdSeconds",
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
    ...roomForm(null),
    ...checkoutForm(null),
  };
}

/** The room's inputs: a sale without one shows the defaults, ready to be turned on. */
function roomForm(room: WaitingRoom | null) {
  const shown = room ?? WAITING_ROOM_DEFAULTS;
  return {
    waitingRoom: room ? "on" : "",
    powBits: String(shown.powBits),
    admissionTtlSeconds: String(shown.admissionTtlSeconds),
    overbook: String(shown.overbook),
    prequeueMinutes: String(shown.prequeueMinutes),
  };
}

/** The checkout's inputs: a sale without one shows the default hold, ready to be turned on. */
function checkoutForm(checkout: Checkout | null) {
  return {
    checkout: checkout ? "on" : "",
    holdSeconds: String((checkout ?? CHECKOUT_DEFAULTS).holdSeconds),
  };
}

/** A number as typed; an empty input is null, which the API refuses with a message. */
function numberOf(typed: string): number | null {
  return typed.trim() === "" ? null : Number(typed);
}

/** The waiting room as the API takes it: null when off, else the whole object. */
function roomPayload(v: FormValues): Record<string, number | null> | null {
  if (v.waitingRoom !== "on") return null;
  return Object.fromEntries(ROOM_FIELDS.map((k) => [k, numberOf(v[k])]));
}

export function formOf(s: SaleData): FormValues {
  return {
    name: s.name,
    description: s.description,
    totalStock: String(s.totalStock),
    perUserLimit: String(s.perUserLimit),
    startTime: toLocalInput(s.startTime),
    endTime: toLocalInput(s.endTime),
    ...roomForm(s.waitingRoom),
    ...checkoutForm(s.checkout),
  };
}

/**
 * The form's values as the API takes them; when editing, only those that differ from the sale's.
 * The waiting room and the checkout are one value each: the whole object, or null.
 */
export function payload(v: FormValues, before: FormValues | null): Record<string, unknown> {
  const all: Record<string, unknown> = {
    name: v.name,
    description: v.description,
    totalStock: numberOf(v.totalStock),
    perUserLimit: numberOf(v.perUserLimit),
    startTime: v.startTime ? new Date(v.startTime).toISOString() : "",
    endTime: v.endTime ? new Date(v.endTime).toISOString() : "",
    waitingRoom: roomPayload(v),
    checkout: v.checkout === "on" ? { holdSeconds: numberOf(v.holdSeconds) } : null,
  };
  if (!before) return all;
  const was = payload(before, null);
  return Object.fromEntries(
    Object.entries(all).filter(([key, value]) =>
      JSON.stringify(value) !== JSON.stringify(was[key])
    ),
  );
}

/** A refusal of the API as messages on the fields it names, or on the whole form. */
export function errorsOf(status: number, body: ApiError): FormErrors {
  const found: FormErrors = {};
  for (const d of body.error?.details ?? []) {
    // A waiting room or checkout setting's message goes on its own input ("waitingRoom.powBits").
    const [top, inner] = (d.path ?? "").split(".");
    const key = ((top === "waitingRoom" || top === "checkout") && inner) || top || "form";
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
