import postgres from "postgres";
import { migrate } from "../../db/migrate.ts";
import { connectDb } from "../../lib/infra/db.ts";

export const PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = "redis://127.0.0.1:6379";
export const ADMIN_TOKEN = "test-admin-token-0123456789";

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

/** A fresh, migrated database of the test's own, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `fs_test_${suffix()}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  const sql = connectDb(url, { max: 1 });
  await migrate(sql);
  await sql.end();
  return {
    url,
    name,
    async drop() {
      const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** A port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
