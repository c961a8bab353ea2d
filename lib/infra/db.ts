import postgres, { type Sql } from "postgres";

export type { Sql };

export interface DbOptions {
  max: number;
  /**
   * Whether a query that asks for it may be a named prepared statement (default yes; no behind
   * PgBouncer before 1.21 in transaction pooling). `sql.unsafe` queries are unnamed unless asked.
   */
  prepare?: boolean;
  /** Session limits in ms (0 or absent: PostgreSQL's own setting, no limit by default). */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
}

export function connectDb(url: string, options: DbOptions): Sql {
  // Startup parameters, so every pooled connection has them from its first statement. Only those
  // set are sent: PgBouncer refuses parameters it does not know (see the README).
  const connection: Record<string, number> = {};
  if (options.statementTimeoutMs) connection.statement_timeout = options.statementTimeoutMs;
  if (options.lockTimeoutMs) connection.lock_timeout = options.lockTimeoutMs;
  return postgres(url, {
    max: options.max,
    prepare: options.prepare ?? true,
    onnotice: () => {},
    connect_timeout: 5,
    idle_timeout: 60,
    connection,
  });
}

/** Creates the database named in `url` if it does not exist (connecting to `postgres` for that). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [row] = await sql`SELECT 1 AS found FROM pg_database WHERE datname = ${name}`;
    if (!row) {
      try {
        await sql.unsafe(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      } catch (error) {
        // Another process created it between the check and here.
        if ((error as { code?: string }).code !== "42P04") throw error;
      }
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
}
