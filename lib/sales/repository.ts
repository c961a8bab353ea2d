import type { Sql } from "../infra/db.ts";
import { AppError } from "../domain/errors.ts";
import { loadQueries } from "../infra/sql.ts";
import {
  type NewSale,
  type Sale,
  saleFromRow,
  type SaleRow,
  type SaleStatus,
} from "../domain/sale.ts";

const Q = await loadQueries(
  new URL("./sales.sql", import.meta.url),
  [
    "current",
    "changed",
    "watermark",
    "page",
    "get",
    "insert",
    "getForUpdate",
    "update",
    "sold",
  ] as const,
);

/** A jsonb parameter, sent as text (the SQL casts it): null stays SQL NULL. */
function jsonOrNull(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

export type SaleChanges = { [K in keyof NewSale]?: NewSale[K] | undefined };

export class SaleRepository {
  constructor(private readonly sql: Sql) {}

  /** The sales not ended by `endedAfter`: open, coming, or recently ended. */
  async current(endedAfter: Date): Promise<Sale[]> {
    return (await this.sql.unsafe<SaleRow[]>(Q.current, [endedAfter])).map(saleFromRow);
  }

  /** Sales changed after `since` that end after `endedAfter` or are among `held`. */
  async changed(since: Date, endedAfter: Date, held: number[]): Promise<Sale[]> {
    return (await this.sql.unsafe<SaleRow[]>(Q.changed, [since, endedAfter, held]))
      .map(saleFromRow);
  }

  /** The highest sale id and the latest change, on PostgreSQL's clock. */
  async watermark(): Promise<{ maxId: number; updatedAt: Date }> {
    const [row] = await this.sql.unsafe<{ max_id: string; updated_at: Date }[]>(Q.watermark);
    return { maxId: Number(row!.max_id), updatedAt: row!.updated_at };
  }

  /** Up to `limit` sales with ids below `before` (all when null), newest first, with items sold. */
  async page(
    before: number | null,
    status: SaleStatus | null,
    now: Date,
    limit: number,
  ): Promise<{ sale: Sale; sold: number }[]> {
    const rows = await this.sql.unsafe<(SaleRow & { sold: number })[]>(Q.page, [
      before,
      status,
      now,
      limit,
    ]);
    return rows.map((r) => ({ sale: saleFromRow(r), sold: r.sold }));
  }

  async get(id: number): Promise<Sale | null> {
    const [row] = await this.sql.unsafe<SaleRow[]>(Q.get, [id]);
    return row ? saleFromRow(row) : null;
  }

  async insert(s: NewSale): Promise<Sale> {
    const [row] = await this.sql.unsafe<SaleRow[]>(Q.insert, [
      s.name,
      s.description,
      s.totalStock,
      s.perUserLimit,
      s.startTime,
      s.endTime,
      jsonOrNull(s.waitingRoom),
      jsonOrNull(s.checkout),
    ]);
    return saleFromRow(row!);
  }

  /**
   * Updates a sale inside a transaction and lets `apply` (the live Redis state) accept or refuse
   * the new version before it commits: a refusal throws and nothing is written. `sold` counts the
   * items of the sale's orders in that transaction, where no order can be added meanwhile.
   */
  async update(
    id: number,
    changes: SaleChanges,
    apply: (before: Sale, after: Sale, sold: () => Promise<number>) => Promise<void>,
  ): Promise<Sale | null> {
    return await this.sql.begin(async (tx) => {
      const [row] = await tx.unsafe<SaleRow[]>(Q.getForUpdate, [id]);
      if (!row) return null;
      const before = saleFromRow(row);
      const defined = Object.entries(changes).filter(([, v]) => v !== undefined);
      const next: Sale = { ...before, ...Object.fromEntries(defined) };
      if (next.endTime <= next.startTime) {
        throw new AppError("VALIDATION_FAILED", "endTime must be after startTime.");
      }
      const [updated] = await tx.unsafe<SaleRow[]>(Q.update, [
        id,
        next.name,
        next.description,
        next.totalStock,
        next.perUserLimit,
        next.startTime,
        next.endTime,
        jsonOrNull(next.waitingRoom),
        jsonOrNull(next.checkout),
      ]);
      const after = saleFromRow(updated!);
      await apply(before, after, async () => {
        const [counted] = await tx.unsafe<{ sold: number }[]>(Q.sold, [id]);
        return counted?.sold ?? 0;
      });
      return after;
    });
  }
}
