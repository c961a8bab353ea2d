/**
 * What the group commit costs PostgreSQL: drives OrderRepository.insert (the writer's statement)
 * with new orders at a fixed batch size and number of batches in flight, and prints the CPU the
 * cluster's processes used per row (read from /proc) and, when the cluster preloads it,
 * pg_stat_statements for the statements of the run.
 *
 *   deno run -A loadtest/commit_profile.ts --url postgres://postgres@127.0.0.1:5433/profile \
 *     --pid <postmaster pid> [--batch 50] [--in-flight 5] [--rows 30000]
 *
 * Point it at a cluster of its own (see docs/load-tests.md): every process under the postmaster
 * counts, and pg_stat_statements is reset for the run.
 */
import { parseArgs } from "node:util";
import { uuidv7 } from "uuidv7";
import { migrate } from "../db/migrate.ts";
import { connectDb } from "../lib/infra/db.ts";
import { OrderRepository } from "../lib/orders/repository.ts";
import { readCpu, tree } from "./cpu.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    pid: { type: "string" },
    batch: { type: "string", default: "50" },
    "in-flight": { type: "string", default: "5" },
    rows: { type: "string", default: "30000" },
  },
});
if (!values.url || !values.pid) throw new Error("--url and --pid are required");
const batchSize = Number(values.batch);
const inFlight = Number(values["in-flight"]);
const total = Number(values.rows);
const cluster = { postgres: tree(Number(values.pid)) };

const sql = connectDb(values.url, { max: inFlight });
try {
  await migrate(sql);
  const [sale] = await sql<{ id: string }[]>`
    INSERT INTO sales (name, total_stock, start_time, end_time)
    VALUES ('commit profile', 2000000000, now(), now() + interval '1 day') RETURNING id`;
  const saleId = Number(sale!.id);
  const orders = new OrderRepository(sql);
  await Promise.all(Array.from({ length: inFlight }, () => sql`SELECT 1`));
  const statements = await sql`SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`
    .then((r) => r.length > 0);
  if (statements) await sql`SELECT pg_stat_statements_reset()`;

  const run = crypto.randomUUID().slice(0, 8);
  let made = 0;
  const lane = async () => {
    while (made < total) {
      const batch = [];
      for (; batch.length < batchSize && made < total; made++) {
        const id = uuidv7();
        batch.push({
          id,
          saleId,
          userId: `${run}-${made}`,
          quantity: 1,
          createdAtMs: Date.now(),
          outboxId: "0-0",
        });
      }
      const settled = await orders.insert(batch);
      if (settled.some((s) => s.kind !== "COMMITTED")) throw new Error("a new order did not go in");
    }
  };
  const before = readCpu(cluster).postgres!;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = readCpu(cluster).postgres! - before;
  console.log(
    `batch ${batchSize} × ${inFlight} in flight: ${total} rows, ${
      Math.round(total / seconds)
    }/s, ` +
      `PostgreSQL CPU ${(cpu * 1e6 / total).toFixed(1)} µs per row`,
  );
  if (statements) {
    console.table(
      await sql`
        SELECT calls, rows, round(rows::numeric / calls, 1) AS rows_per_call,
               round(mean_exec_time::numeric, 3) AS exec_ms, plans,
               round(mean_plan_time::numeric, 3) AS plan_ms,
               shared_blks_hit / calls AS buffers_per_call, wal_records / calls AS wal_per_call,
               left(regexp_replace(query, '\\s+', ' ', 'g'), 50) AS query
        FROM pg_stat_statements WHERE calls >= ${Math.floor(total / batchSize / 2)}
        ORDER BY total_exec_time DESC`,
    );
  }
} finally {
  await sql.end();
}
