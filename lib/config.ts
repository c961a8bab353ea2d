import { z } from "zod";

const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  /** Server processes sharing PORT (SO_REUSEPORT); by default one per core. */
  WORKERS: z.coerce.number().int().min(1).max(64).default(navigator.hardwareConcurrency),
  DATABASE_URL: z.string().url().default("postgres://postgres@127.0.0.1:5432/flashsale"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** Prefix of every Redis key and channel, so several deployments (or tests) share one Redis. */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/).default("fs"),
  /** Without it (or empty) the admin API is closed (503) and says so. */
  ADMIN_TOKEN: z.preprocess((v) => v === "" ? undefined : v, z.string().min(16).optional()),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** How long the group-commit writer gathers rows before it writes a batch. */
  COMMIT_WINDOW_MS: ms(2),
  COMMIT_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  /** A purchase waits this long for its COMMIT; past it, it answers 202 pending. */
  COMMIT_TIMEOUT_MS: ms(3000),
  /** Outbox entries older than this are ensured in PostgreSQL by the sweeper. */
  OUTBOX_MIN_AGE_MS: ms(5000),
  SWEEP_INTERVAL_MS: ms(1000),
  /** Life of the in-process "sold out" hint. */
  SOLD_OUT_TTL_MS: ms(1000),
  /** Sale metadata is re-read from PostgreSQL this often, in case a change notice was missed. */
  SALE_REFRESH_MS: ms(5000),
  MAX_BODY_BYTES: z.coerce.number().int().min(64).default(4096),
});

export type Config = Readonly<z.infer<typeof schema>>;

/** Parses the environment once. The only reader of `Deno.env` in the project. */
export function loadConfig(env: Record<string, string> = Deno.env.toObject()): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  return Object.freeze(parsed.data);
}
