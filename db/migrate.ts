import type { Sql } from "postgres";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
// Any fixed number: every process that migrates the same database takes the same lock.
const MIGRATION_LOCK = 7_305_114_001;

export interface Migration {
  name: string;
  sql: string;
}

export async function readMigrations(): Promise<Migration[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(MIGRATIONS_DIR)) {
    if (entry.isFile && /^\d{4}_.+\.sql$/.test(entry.name)) names.push(entry.name);
  }
  names.sort();
  return await Promise.all(
    names.map(async (name) => ({
      name,
      sql: await Deno.readTextFile(new URL(name, MIGRATIONS_DIR)),
    })),
  );
}

/**
 * Applies the migrations not yet in the ledger, all in one transaction under an advisory lock, so
 * several processes starting at once neither race nor half-apply. Returns the names applied.
 */
export async function migrate(sql: Sql): Promise<string[]> {
  const migrations = await readMigrations();
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`;
    const done = new Set((await tx`SELECT name FROM schema_migrations`).map((r) => r.name));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      await tx.unsafe(m.sql);
      await tx`INSERT INTO schema_migrations (name) VALUES (${m.name})`;
      applied.push(m.name);
    }
    return applied;
  });
}
