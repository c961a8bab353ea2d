import { buildApp } from "../../app.ts";
import { type Config, loadConfig } from "../../lib/infra/config.ts";
import { connectDb, type Sql } from "../../lib/infra/db.ts";
import { openPlatform, type Platform } from "../../lib/platform.ts";
import {
  ADMIN_TOKEN,
  createTestDatabase,
  REDIS_URL,
  type TestDatabase,
  testPrefix,
} from "./env.ts";

/**
 * The writer held back: batches wait 10 minutes, so purchases answer "pending" and their orders
 * exist only as outbox entries in Redis until the test drains the writer. The sweeper is held back
 * too.
 */
export const HELD_WRITER = {
  COMMIT_WINDOW_MS: "600000",
  COMMIT_TIMEOUT_MS: "200",
  OUTBOX_MIN_AGE_MS: "600000",
};

export interface TestApp {
  url: string;
  platform: Platform;
  db: TestDatabase;
  /** A connection of the test's own, for counting rows. */
  sql: Sql;
  prefix: string;
  config: Config;
  /** Stops the server and the platform, keeps the database. */
  stopServer(): Promise<void>;
  /** Stops everything and drops the database and the Redis keys. */
  close(): Promise<void>;
}

/**
 * The real app on a real port, over the machine's Redis and a database of its own. `env` overrides
 * configuration (e.g. a Redis of the test's own, or a shorter commit timeout).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  db?: TestDatabase,
): Promise<TestApp> {
  const database = db ?? await createTestDatabase();
  const prefix = env.REDIS_KEY_PREFIX ?? testPrefix();
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_TOKEN,
    OUTBOX_MIN_AGE_MS: "1000",
    SWEEP_INTERVAL_MS: "200",
    ...env,
  });
  const platform = await openPlatform(config);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    buildApp(platform).fetch,
  );
  const sql = connectDb(database.url, { max: 2 });
  let serverStopped = false;
  const stopServer = async () => {
    if (serverStopped) return;
    serverStopped = true;
    await server.shutdown();
    await platform.close();
  };
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    platform,
    db: database,
    sql,
    prefix,
    config,
    stopServer,
    async close() {
      await stopServer();
      await sql.end();
      await database.drop();
      await deleteKeys(config.REDIS_URL, prefix);
    },
  };
}

/** Removes every key under a test's prefix (never a flush of a shared Redis). */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } catch {
    // A Redis of the test's own may already be gone.
  } finally {
    redis.disconnect();
  }
}
