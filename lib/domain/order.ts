export interface Order {
  id: string;
  saleId: number;
  userId: string;
  quantity: number;
  status: string;
  createdAt: Date;
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
  status: string;
  created_at: Date;
}

export function orderFromRow(r: OrderRow): Order {
  return {
    id: r.id,
    saleId: Number(r.sale_id),
    userId: r.user_id,
    quantity: r.quantity,
    status: r.status,
    createdAt: r.created_at,
  };
}

export function confirmedOrder(p: ReservedOrder): Order {
  return {
    id: p.id,
    saleId: p.saleId,
    userId: p.userId,
    quantity: p.quantity,
    status: "confirmed",
    createdAt: new Date(p.createdAtMs),
  };
}

export function orderJson(o: Order) {
  return {
    id: o.id,
    saleId: o.saleId,
    userId: o.userId,
    quantity: o.quantity,
    status: o.status,
    createdAt: o.createdAt.toISOString(),
  };
}
