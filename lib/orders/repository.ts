import type { Sql } from "../infra/db.ts";
import type { Shopper } from "../identity/identity.ts";
import { type Sale, saleFromRow, type SaleRow } from "../domain/sale.ts";
import { loadQueries } from "../infra/sql.ts";
import {
  type Order,
  orderFromRow,
  type OrderRow,
  type OrderStatus,
  type ReservedOrder,
  type Settled,
  writtenOrder,
} from "../domain/order.ts";

const Q = await loadQueries(
  new URL("./orders.sql", import.meta.url),
  [
    "insertBatch",
    "byIds",
    "byShoppers",
    "bySale",
    "byShopper",
    "countsBySale",
    "claimCount",
    "claimReset",
    "deleteBySale",
  ] as const,
);

/** What a rebuild counted: the sale as PostgreSQL has it now, and its orders. */
export interface FencedCount {
  sale: Sale;
  orders: { id: string; userId: string; quantity: number; createdAt: Date }[];
}

interface BatchRow {
  requested_id: string;
  inserted: boolean;
  voided: boolean;
  /** What an inserted row was written with: `confirmed`, or `held` until `expires_at`. */
  order_status: OrderStatus;
  expires_at: Date | null;
}

export class OrderRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Inserts a batch idempotently (one multi-row INSERT … ON CONFLICT DO NOTHING) and says, for each
   * pending order, whether PostgreSQL now holds it or holds another order of that shopper. A second
   * statement runs only when some row did not go in.
   *
   * `swept`: the batch comes from the outbox (the sweeper, a rebuild's drain), whose entries may
   * name orders written long ago and ended since (a hold expired or cancelled): those leave the
   * live shoppers' unique index, so they are read first and never inserted again. The group
   * commit's own batches are new orders and skip that read.
   */
  async insert(batch: ReservedOrder[], swept = false): Promise<Settled[]> {
    if (batch.length === 0) return [];
    if (swept) {
      const rows = await this.sql.unsafe<OrderRow[]>(Q.byIds, [batch.map((p) => p.id)] as never);
      if (rows.length > 0) {
        const stored = new Map(rows.map((r) => [r.id, orderFromRow(r)]));
        const rest = await this.insert(batch.filter((p) => !stored.has(p.id)));
        return batch.map((p): Settled => {
          const order = stored.get(p.id);
          return order ? { kind: "COMMITTED", order } : rest.shift()!;
        });
      }
    }
    const rows = await this.sql.unsafe<BatchRow[]>(Q.insertBatch, [
      batch.map((p) => p.id),
      batch.map((p) => p.saleId),
      batch.map((p) => p.userId),
      batch.map((p) => p.quantity),
      batch.map((p) => new Date(p.createdAtMs).toISOString()),
    ] as never, {
      // Named (unless DB_PREPARED_STATEMENTS is off): Bind and Execute in one round trip. Unnamed,
      // postgres.js first asks for the parameters' types, a second round trip per batch.
      prepare: true,
    });
    const byId = new Map(rows.map((r) => [r.requested_id, r]));
    // What PostgreSQL holds for the shoppers whose row did not go in, read after the insert
    // committed, so a conflicting order committed meanwhile by another writer is seen too.
    const missed = batch.filter((p) => !byId.get(p.id)?.inserted);
    const held = missed.length === 0 ? new Map<string, Order>() : await this.byShoppers(missed);
    return batch.map((p): Settled => {
      const r = byId.get(p.id);
      if (r?.inserted) {
        return { kind: "COMMITTED", order: writtenOrder(p, r.order_status, r.expires_at) };
      }
      const existing = held.get(`${p.saleId}/${p.userId}`);
      // This very order was written before (a retried write, or a reconcile from the outbox, even
      // one before a reset's fence): committed, void or not.
      if (existing?.id === p.id) return { kind: "COMMITTED", order: existing };
      if (r?.voided) return { kind: "VOIDED" };
      if (!existing) throw new Error(`order ${p.id} neither inserted nor found`);
      return { kind: "CONFLICT", existing };
    });
  }

  private async byShoppers(
    keys: { saleId: number; userId: string }[],
  ): Promise<Map<string, Order>> {
    const rows = await this.sql.unsafe<OrderRow[]>(Q.byShoppers, [
      keys.map((k) => k.saleId),
      keys.map((k) => k.userId),
    ] as never);
    return new Map(rows.map((r) => [`${r.sale_id}/${r.user_id}`, orderFromRow(r)]));
  }

  /** An order by its id, live or ended. */
  async byOrderId(id: string): Promise<Order | null> {
    const [row] = await this.sql.unsafe<OrderRow[]>(Q.byIds, [[id]] as never);
    return row ? orderFromRow(row) : null;
  }

  /**
   * A shopper's live order, or else their latest ended one: only a verified shopper's
   * (lib/identity/identity.ts), never a typed id's.
   */
  async byShopper(saleId: number, shopper: Shopper): Promise<Order | null> {
    const [row] = await this.sql.unsafe<OrderRow[]>(Q.byShopper, [saleId, shopper.id]);
    return row ? orderFromRow(row) : null;
  }

  async counts(saleId: number): Promise<{ orders: number; sold: number }> {
    const [row] = await this.sql.unsafe<{ orders: number; sold: number }[]>(Q.countsBySale, [
      saleId,
    ]);
    return row ?? { orders: 0, sold: 0 };
  }

  /**
   * A rebuild's count, fenced: refused (null) unless `token` is at least the highest fencing token
   * PostgreSQL has seen for the sale (or if the sale is gone). Voids every reservation stamped at
   * or before `fenceMs` (Redis time) that is not in PostgreSQL yet, then reads the sale and its
   * orders, in one transaction. After a Redis data loss a write still in flight from before the
   * loss (its outbox entry gone with the data) would otherwise land after the count, and the
   * rebuilt stock would hand its item out again.
   */
  async fencedCount(saleId: number, token: string, fenceMs: number): Promise<FencedCount | null> {
    return await this.sql.begin(async (tx) => {
      const [sale] = await tx.unsafe<SaleRow[]>(Q.claimCount, [
        saleId,
        token,
        new Date(fenceMs).toISOString(),
      ]);
      if (!sale) return null;
      const rows = await tx.unsafe<
        { id: string; user_id: string; quantity: number; created_at: Date }[]
      >(Q.bySale, [saleId]);
      return {
        sale: saleFromRow(sale),
        orders: rows.map((r) => ({
          id: r.id,
          userId: r.user_id,
          quantity: r.quantity,
          createdAt: r.created_at,
        })),
      };
    });
  }

  /**
   * Clears a sale's orders, sets its total stock when `totalStock` is not null, and voids every
   * reservation stamped at or before `resetAtMs` (Redis time), so a write still in flight from
   * before the reset cannot land afterwards. Refused (false, nothing written) unless `token` is at
   * least the highest fencing token seen.
   */
  async clearSale(
    saleId: number,
    token: string,
    resetAtMs: number,
    totalStock: number | null,
  ): Promise<boolean> {
    return await this.sql.begin(async (tx) => {
      const claimed = await tx.unsafe(Q.claimReset, [
        saleId,
        token,
        new Date(resetAtMs).toISOString(),
        totalStock,
      ]);
      if (claimed.count === 0) return false;
      await tx.unsafe(Q.deleteBySale, [saleId]);
      return true;
    });
  }
}
