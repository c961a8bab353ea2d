import type { Sql } from "../infra/db.ts";
import { AppError } from "../domain/errors.ts";
import { loadQueries } from "../infra/sql.ts";
import { type Sale, saleFromRow, type SaleRow } from "../domain/sale.ts";

const Q = await loadQueries(
  new URL("./sales.sql", import.meta.url),
  [
    "list",
    "get",
    "insert",
    "getForUpdate",
    "update",
    "sold",
  ] as const,
);

export interface NewSale {
  name: string;
  description: string;
  totalStock: number;
  perUserLimit: number;
  startTime: Date;
  endTime: Date;
}

export type SaleChanges = { [K in keyof NewSale]?: NewSale[K] | undefined };

export class SaleRepository {
  constructor(private readonly sql: Sql) {}

  async list(): Promise<Sale[]> {
    return (await this.sql.unsafe<SaleRow[]>(Q.list)).map(saleFromRow);
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
