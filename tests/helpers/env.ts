import postgres from "postgres";
import { migrate, readMigrations } from "../../db/migrate.ts";
import { connectDb } from "../../lib/infra/db.ts";

/**
 * The PostgreSQL server (a URL without a database) and the Redis the tests use: the machine's, or
 * the embedded ones `deno task test` (dev/test.ts) starts for the run when those do not answer.
 */
const PG_SERVER_URL = Deno.env.get("TEST_POSTGRES_URL") ?? "postgres://postgres@127.0.0.1:5432";
export const PG_ADMIN_URL = `${PG_SERVER_URL}/postgres`;
export const REDIS_URL = Deno.env.get("TEST_REDIS_URL") ?? "redis://127.0.0.1:6379";
/** Their ports, for the proxies and bouncers tests put in front of them. */
export const PG_PORT = Number(new URL(PG_SERVER_URL).port || 5432);
export const REDIS_PORT = Number(new URL(REDIS_URL).port || 6379);
export const ADMIN_TOKEN = "test-admin-token-0123456789";

// Any fixed number other than db/migrate.ts's: test files building the template take turns.
const TEMPLATE_LOCK = 7_305_114_002;

/** The URL of database `name` on the tests' PostgreSQL. */
export function databaseUrl(name: string): string {
  return `${PG_SERVER_URL}/${name}`;
}

/** `url` with its port replaced: the same database or Redis, reached through a proxy on `port`. */
export function throughPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

function suffix(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

/** A Redis key prefix of the test's own, so tests share the machine's Redis without meeting. */
export function testPrefix(): string {
  return `t${suffix()}`;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function adminConnection() {
  return postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
}

/**
 * The name of the template migrated with today's db/migrations: another set of migrations (another
 * worktree, a new file) gets a template of its own, and none is ever dropped under a clone.
 */
async function templateName(): Promise<string> {
  const text = (await readMigrations()).map((m) => `${m.name}\n${m.sql}`).join("\n");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `fs_template_${hex.slice(0, 16)}`;
}

let template: Promise<string> | undefined;

/**
 * Migrates the template once, under an advisory lock so parallel test files do not build it twice.
 * It is built under another name and renamed when whole, so a run killed mid-build leaves no
 * half-migrated template; it then refuses connections, since CREATE DATABASE … TEMPLATE fails
 * while anyone is connected to it.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = await templateName();
    const admin = adminConnection();
    try {
      await admin`SELECT pg_advisory_lock(${TEMPLATE_LOCK})`;
      const [found] = await admin`SELECT 1 AS found FROM pg_database WHERE datname = ${name}`;
      if (!found) {
        const building = `${name}_building`;
        await admin.unsafe(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
        await admin.unsafe(`CREATE DATABASE ${building}`);
        const sql = connectDb(databaseUrl(building), { max: 1 });
        try {
          await migrate(sql);
        } finally {
          await sql.end();
        }
        await admin.unsafe(`ALTER DATABASE ${building} RENAME TO ${name}`);
        await admin.unsafe(`ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      }
      await admin`SELECT pg_advisory_unlock(${TEMPLATE_LOCK})`;
      return name;
    } finally {
      await admin.end();
    }
  })();
  return template;
}

async function createDatabase(from: string | null): Promise<TestDatabase> {
  const name = `fs_test_${suffix()}`;
  const admin = adminConnection();
  try {
    await admin.unsafe(`CREATE DATABASE ${name}${from === null ? "" : ` TEMPLATE ${from}`}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(name),
    name,
    async drop() {
      const admin = adminConnection();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** An empty database of the test's own (no migration run), dropped afterwards. */
export function createEmptyDatabase(): Promise<TestDatabase> {
  return createDatabase(null);
}

/**
 * A fresh, migrated database of the test's own, dropped afterwards: a clone of the migrated
 * template, with the seeded rows moved to now, since the migration dates sale 1's window from the
 * moment it runs and the template may be days old.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const db = await createDatabase(await migratedTemplate());
  const sql = connectDb(db.url, { max: 1 });
  try {
    await sql`
      UPDATE sales SET start_time = start_time + (now() - created_at),
                       end_time = end_time + (now() - created_at),
                       updated_at = updated_at + (now() - created_at),
                       created_at = now()`;
  } finally {
    await sql.end();
  }
  return db;
}

/** A port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
