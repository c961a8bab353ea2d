import { uuidv7 } from "uuidv7";
import { connectDb, type Sql } from "../../lib/infra/db.ts";
import { OrderRepository } from "../../lib/orders/repository.ts";
import type { ReservedOrder } from "../../lib/domain/order.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/env.ts";

async function withDb(run: (sql: Sql) => Promise<void>): Promise<void> {
  const db = await createTestDatabase();
  const sql = connectDb(db.url, { max: 2 });
  try {
    await run(sql);
  } finally {
    await sql.end();
    await db.drop();
  }
}

async function newSale(sql: Sql, resetAt: Date | null): Promise<number> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO sales (name, total_stock, start_time, end_time, reset_at)
    VALUES ('batch', 1000, now() - interval '1 hour', now() + interval '1 hour',
            ${resetAt ?? new Date(0)})
    RETURNING id`;
  return Number(row!.id);
}

function reserved(saleId: number, userId: string, createdAtMs: number, quantity = 1) {
  return { id: uuidv7(), saleId, userId, quantity, createdAtMs, outboxId: "1-0" };
}

Deno.test("a batch mixing new, rewritten, conflicting and void rows answers each row as PostgreSQL holds it", async () => {
  await withDb(async (sql) => {
    const now = Date.now();
    const resetAt = new Date(now - 60_000);
    const saleId = await newSale(sql, resetAt);
    const before = now - 120_000;
    const other = reserved(saleId, "has-another", now - 30_000, 2);
    const written = reserved(saleId, "retried", now - 20_000);
    // A reconcile wrote this one from the outbox before the reset's fence: void by its stamp, but
    // PostgreSQL holds this very order, so it is committed.
    const fencedButWritten = reserved(saleId, "reconciled", before);
    for (const o of [other, written, fencedButWritten]) {
      await sql`INSERT INTO orders (id, sale_id, user_id, quantity, created_at)
        VALUES (${o.id}, ${o.saleId}, ${o.userId}, ${o.quantity}, ${new Date(o.createdAtMs)})`;
    }

    const fresh = reserved(saleId, "fresh", now);
    const conflicting = reserved(saleId, "has-another", now);
    const stale = reserved(saleId, "stale", before);
    const unknownSale = reserved(saleId + 1000, "nowhere", now);
    const twinA = reserved(saleId, "twin", now);
    const twinB = reserved(saleId, "twin", now + 1);
    const batch: ReservedOrder[] = [
      fresh,
      written,
      conflicting,
      stale,
      unknownSale,
      twinA,
      twinB,
      fencedButWritten,
    ];
    const settled = await new OrderRepository(sql).insert(batch);

    assertEquals(
      settled.map((s) =>
        s.kind === "COMMITTED"
          ? `COMMITTED ${s.order.id}`
          : s.kind === "CONFLICT"
          ? `CONFLICT ${s.existing.id} q${s.existing.quantity} ${s.existing.createdAt.getTime()}`
          : s.kind
      ),
      [
        `COMMITTED ${fresh.id}`,
        `COMMITTED ${written.id}`,
        `CONFLICT ${other.id} q2 ${other.createdAtMs}`,
        "VOIDED",
        "VOIDED",
        `COMMITTED ${twinA.id}`,
        `CONFLICT ${twinA.id} q1 ${twinA.createdAtMs}`,
        `COMMITTED ${fencedButWritten.id}`,
      ],
    );
    const rows = await sql<{ id: string; user_id: string }[]>`
      SELECT id, user_id FROM orders ORDER BY user_id`;
    assertEquals(rows.map((r) => `${r.user_id} ${r.id}`), [
      `fresh ${fresh.id}`,
      `has-another ${other.id}`,
      `reconciled ${fencedButWritten.id}`,
      `retried ${written.id}`,
      `twin ${twinA.id}`,
    ]);
  });
});

interface PlanNode {
  "Node Type": string;
  "Actual Rows": number;
  "Actual Loops": number;
  Plans?: PlanNode[];
}

/** Rows produced by every node of a plan, each loop counted: the executor's work. */
function rowsWorked(node: PlanNode): number {
  return node["Actual Rows"] * node["Actual Loops"] +
    (node.Plans ?? []).reduce((n, p) => n + rowsWorked(p), 0);
}

Deno.test("a batch insert's work in PostgreSQL grows with its rows, not with their square or the table", async () => {
  await withDb(async (sql) => {
    // The statement is the body of insert_order_batch (db/migrations/0007_insert_order_batch.sql):
    // EXPLAINed on its own, since a function's plan shows only as a scan of its result.
    const [fn] = await sql<{ prosrc: string }[]>`
      SELECT prosrc FROM pg_proc WHERE proname = 'insert_order_batch'`;
    const statement = /RETURN QUERY\s+([\s\S]*);\s*END\s*$/.exec(fn!.prosrc)?.[1];
    assert(statement, "insert_order_batch returns one query");
    const saleId = await newSale(sql, null);
    // A live shop's tables, with the statistics autovacuum keeps: on an empty, unanalysed table the
    // planner picks other joins than production gets.
    await sql`INSERT INTO orders (id, sale_id, user_id, quantity)
      SELECT gen_random_uuid(), 1, 'earlier-' || g, 1 FROM generate_series(1, 100000) g`;
    await sql`ANALYZE sales`;
    await sql`ANALYZE orders`;
    const n = 400;
    const batch = Array.from({ length: n }, (_, i) => reserved(saleId, `u${i}`, Date.now()));
    // Array literals of the test's own values: EXPLAIN EXECUTE takes no protocol parameters.
    const array = (values: (string | number)[]) => `'{${values.join(",")}}'`;
    const args = [
      `${array(batch.map((p) => p.id))}::uuid[]`,
      `${array(batch.map((p) => p.saleId))}::bigint[]`,
      `${array(batch.map((p) => p.userId))}::text[]`,
      `${array(batch.map((p) => p.quantity))}::int[]`,
      `${array(batch.map((p) => `"${new Date(p.createdAtMs).toISOString()}"`))}::timestamptz[]`,
    ];
    // ANALYZE runs the insert for real: the database is the test's own. The plan is the generic
    // one, as the function (plan_cache_mode) runs it: made without the arrays' values.
    const [explained] = await sql.begin(async (tx) => {
      await tx.unsafe("SET LOCAL plan_cache_mode = force_generic_plan");
      await tx.unsafe(
        `PREPARE insert_batch (uuid[], bigint[], text[], int[], timestamptz[]) AS ${statement}`,
      );
      return await tx.unsafe<{ "QUERY PLAN": [{ Plan: PlanNode }] }[]>(
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE insert_batch (${args.join(", ")})`,
      );
    });
    const { Plan: plan } = explained!["QUERY PLAN"][0];
    const worked = rowsWorked(plan);
    // Each requested row passes a handful of nodes (unnest, join to the sale, insert, answer). A
    // nested loop of the answer over the inserted rows makes it n × n (160,000 here); a hash of
    // the orders table, its size.
    assert(worked < 20 * n, `rows worked for a batch of ${n}: ${worked}`);
    assertEquals(plan["Actual Rows"], n, "one answer per requested row");
  });
});
