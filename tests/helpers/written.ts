import type { Sql } from "../../lib/infra/db.ts";

/** Everything a refused request could have changed: rows counted, each sale's row and stock. */
export interface Written {
  orders: number;
  sales: number;
  /** Each sale's row, by id. */
  rows: Record<string, unknown>[];
  /** Each sale's stock in Redis, by sale id. */
  stock: Record<number, number | null>;
}

/**
 * What PostgreSQL and Redis hold now; equal before and after means nothing was written. Tests
 * take it around requests that must be refused.
 */
export async function written(
  sql: Sql,
  gate: { readStock(saleId: number): Promise<number | null> },
): Promise<Written> {
  const [counts] = await sql<{ orders: number; sales: number }[]>`
    SELECT (SELECT count(*)::int FROM orders) AS orders,
           (SELECT count(*)::int FROM sales) AS sales`;
  const rows = await sql`
    SELECT id, name, description, total_stock, per_user_limit, start_time, end_time, updated_at
    FROM sales ORDER BY id`;
  const stock: Record<number, number | null> = {};
  for (const row of rows) stock[Number(row.id)] = await gate.readStock(Number(row.id));
  return {
    orders: counts!.orders,
    sales: counts!.sales,
    rows: rows.map((r) => ({ ...r })),
    stock,
  };
}
