/**
 * An order's status: `confirmed` at once in a sale without checkout; in a checkout sale `held` until
 * paid (`paid`) or ended unpaid (`expired`, `cancelled`: its stock went back). `pending` while it is
 * on its way to PostgreSQL (the answer of a 202).
 */
export type OrderStatus = "pending" | "confirmed" | "held" | "paid" | "expired" | "cancelled";

/** What counts as sold: "one order per shopper" and the stock count only these. */
export const LIVE_STATUSES: readonly OrderStatus[] = ["confirmed", "held", "paid"];

export interface Order {
  id: string;
  saleId: number;
  userId: string;
  quantity: number;
  status: OrderStatus;
  createdAt: Date;
  /** A checkout sale's: until when the item is held unpaid. */
  holdExpiresAt?: Date;
  paidAt?: Date;
}

/** A reservation the gate accepted, on its way to PostgreSQL. */
export interface ReservedOrder {
  id: string;
  saleId: number;
  userId: string;
  quantity: number;
  createdAtMs: number;
  /** Its outbox entry, trimmed once PostgreSQL holds the order. */
  outboxId: string;
}

/** What PostgreSQL says of a reserved order once a write has settled it. */
export type Settled =
  | { kind: "COMMITTED"; order: Order }
  | { kind: "CONFLICT"; existing: Order }
  /** Reserved before the sale was reset (or for a sale that is gone): never to be written. */
  | { kind: "VOIDED" };

export interface OrderRow {
  id: string;
  sale_id: string | number;
  user_id: string;
  quantity: number;
  status: OrderStatus;
  created_at: Date;
  hold_expires_at: Date | null;
  paid_at: Date | null;
}

export function orderFromRow(r: OrderRow): Order {
  return {
    id: r.id,
    saleId: Number(r.sale_id),
    userId: r.user_id,
    quantity: r.quantity,
    status: r.status,
    createdAt: r.created_at,
    ...(r.hold_expires_at ? { holdExpiresAt: r.hold_expires_at } : {}),
    ...(r.paid_at ? { paidAt: r.paid_at } : {}),
  };
}

/**
 * A reserved order as the group commit wrote it: `confirmed`, or `held` until `holdExpiresAt` in a
 * checkout sale (PostgreSQL's answer, insert_order_batch).
 */
export function writtenOrder(
  p: ReservedOrder,
  status: OrderStatus,
  holdExpiresAt: Date | null,
): Order {
  return {
    id: p.id,
    saleId: p.saleId,
    userId: p.userId,
    quantity: p.quantity,
    status,
    createdAt: new Date(p.createdAtMs),
    ...(holdExpiresAt ? { holdExpiresAt } : {}),
  };
}

/**
 * A reservation not yet known to be in PostgreSQL. In a checkout sale its deadline is the one the
 * group commit writes: the reservation's Redis stamp plus the hold.
 */
export function pendingOrder(
  r: { id: string; saleId: number; userId: string; quantity: number; createdAtMs: number },
  holdSeconds: number | null,
): Order {
  return {
    id: r.id,
    saleId: r.saleId,
    userId: r.userId,
    quantity: r.quantity,
    status: "pending",
    createdAt: new Date(r.createdAtMs),
    ...(holdSeconds === null
      ? {}
      : { holdExpiresAt: new Date(r.createdAtMs + holdSeconds * 1000) }),
  };
}

/** An order in the API: `holdExpiresAt` and `paidAt` only when set (a checkout sale's). */
export function orderJson(o: Order) {
  return {
    id: o.id,
    saleId: o.saleId,
    userId: o.userId,
    quantity: o.quantity,
    status: o.status,
    createdAt: o.createdAt.toISOString(),
    ...(o.holdExpiresAt ? { holdExpiresAt: o.holdExpiresAt.toISOString() } : {}),
    ...(o.paidAt ? { paidAt: o.paidAt.toISOString() } : {}),
  };
}
