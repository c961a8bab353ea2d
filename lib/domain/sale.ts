/**
 * A sale's waiting room (DESIGN §8, docs/waiting-room.md): nobody buys without an admission, handed
 * out in the line's order while `outstanding < remaining × overbook`.
 */
export interface WaitingRoom {
  /** Leading zero bits of the proof of work a shopper's join costs. */
  powBits: number;
  /** How long an admission may be used. */
  admissionTtlSeconds: number;
  /** Admissions outstanding at most, as a multiple of the remaining stock. */
  overbook: number;
  /** How long before the start the line opens; who joins then is shuffled at the start. */
  prequeueMinutes: number;
}

/** DESIGN §8's defaults: what a setting left out takes, and what the admin form starts from. */
export const WAITING_ROOM_DEFAULTS: WaitingRoom = {
  powBits: 16,
  admissionTtlSeconds: 120,
  overbook: 1.2,
  prequeueMinutes: 15,
};

/**
 * A sale's checkout (DESIGN §9, docs/checkout.md): a won item is held for the shopper until they
 * pay, at most `holdSeconds`; unpaid, it goes back to the stock.
 */
export interface Checkout {
  holdSeconds: number;
}

/** DESIGN §9's default hold, what `checkout: {}` takes. */
export const CHECKOUT_DEFAULTS: Checkout = { holdSeconds: 600 };

/** What an admin gives to make a sale. */
export interface NewSale {
  name: string;
  description: string;
  totalStock: number;
  perUserLimit: number;
  startTime: Date;
  endTime: Date;
  /** null: no waiting room, anyone may buy. */
  waitingRoom: WaitingRoom | null;
  /** null: orders are confirmed at once; else each is held until paid, or given back. */
  checkout: Checkout | null;
}

export interface Sale extends NewSale {
  id: number;
  updatedAt: Date;
}

export interface SaleSettings {
  totalStock: number;
  perUserLimit: number;
  startMs: number;
  endMs: number;
  /** purchase.lua then asks every attempt for an admission. */
  waitingRoom: boolean;
}

export type SaleStatus = "UPCOMING" | "ACTIVE" | "ENDED";

export function saleStatus(sale: Sale, nowMs: number): SaleStatus {
  if (nowMs < sale.startTime.getTime()) return "UPCOMING";
  if (nowMs >= sale.endTime.getTime()) return "ENDED";
  return "ACTIVE";
}

export function settingsOf(sale: Sale): SaleSettings {
  return {
    totalStock: sale.totalStock,
    perUserLimit: sale.perUserLimit,
    startMs: sale.startTime.getTime(),
    endMs: sale.endTime.getTime(),
    waitingRoom: sale.waitingRoom !== null,
  };
}

export interface SaleRow {
  id: string | number;
  name: string;
  description: string;
  total_stock: number;
  per_user_limit: number;
  start_time: Date;
  end_time: Date;
  waiting_room: WaitingRoom | null;
  checkout: Checkout | null;
  updated_at: Date;
}

export function saleFromRow(r: SaleRow): Sale {
  return {
    id: Number(r.id),
    name: r.name,
    description: r.description,
    totalStock: r.total_stock,
    perUserLimit: r.per_user_limit,
    startTime: r.start_time,
    endTime: r.end_time,
    // jsonb keeps its own key order: the API's is fixed here.
    waitingRoom: r.waiting_room && {
      powBits: r.waiting_room.powBits,
      admissionTtlSeconds: r.waiting_room.admissionTtlSeconds,
      overbook: r.waiting_room.overbook,
      prequeueMinutes: r.waiting_room.prequeueMinutes,
    },
    checkout: r.checkout && { holdSeconds: r.checkout.holdSeconds },
    updatedAt: r.updated_at,
  };
}

/** A sale as the JSON API answers it, and as the islands read it (one type for both). */
export interface SaleData {
  id: number;
  name: string;
  description: string;
  status: SaleStatus;
  totalStock: number;
  remainingStock: number;
  perUserLimit: number;
  startTime: string;
  endTime: string;
  waitingRoom: WaitingRoom | null;
  checkout: Checkout | null;
  serverTime: string;
}

/** The line's progress, in a waiting-room sale's live updates (docs/waiting-room.md). */
export interface LineProgress {
  /** Tickets taken from the line so far, in its order: a ticket's position is `number - served`. */
  served: number;
  /** Tickets waiting (joined, not yet admitted). */
  waiting: number;
  /** The order of those who joined before the start has been drawn. */
  drawn: boolean;
}

/** One message of a sale's live feed (GET /api/sales/:id/events), read by the sale page's island. */
export interface LiveUpdate {
  saleId: number;
  remainingStock: number;
  status: SaleStatus;
  serverTime: string;
  /** Only for a sale with a waiting room. */
  line?: LineProgress;
}

export function saleJson(sale: Sale, remainingStock: number, nowMs: number): SaleData {
  return {
    id: sale.id,
    name: sale.name,
    description: sale.description,
    status: saleStatus(sale, nowMs),
    totalStock: sale.totalStock,
    remainingStock,
    perUserLimit: sale.perUserLimit,
    startTime: sale.startTime.toISOString(),
    endTime: sale.endTime.toISOString(),
    waitingRoom: sale.waitingRoom,
    checkout: sale.checkout,
    serverTime: new Date(nowMs).toISOString(),
  };
}

/** Each sale object's last status text, with the stock and the millisecond it shows. */
const lastText = new WeakMap<Sale, { remainingStock: number; nowMs: number; text: string }>();

/**
 * `saleJson` serialised. A burst of status reads shares its stock and millisecond, so the text is
 * made once per sale, stock and millisecond (making it was a seventh of a status read's JavaScript).
 */
export function saleJsonText(sale: Sale, remainingStock: number, nowMs: number): string {
  const last = lastText.get(sale);
  if (last?.remainingStock === remainingStock && last.nowMs === nowMs) return last.text;
  const text = JSON.stringify(saleJson(sale, remainingStock, nowMs));
  lastText.set(sale, { remainingStock, nowMs, text });
  return text;
}
