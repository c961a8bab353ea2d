import { z } from "zod";

const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
/** An unset compose variable arrives as "": treated as absent. */
const emptyAsAbsent = (v: unknown) => v === "" ? undefined : v;
const optional = <T extends z.ZodType>(type: T) => z.preprocess(emptyAsAbsent, type.optional());

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  /** Server processes sharing PORT (SO_REUSEPORT); by default one per core. */
  WORKERS: z.coerce.number().int().min(1).max(64).default(navigator.hardwareConcurrency),
  DATABASE_URL: z.preprocess(
    emptyAsAbsent,
    z.string().url().default("postgres://postgres@127.0.0.1:5432/flashsale"),
  ),
  REDIS_URL: z.preprocess(emptyAsAbsent, z.string().url().default("redis://127.0.0.1:6379")),
  /** Both set: Redis is reached over HTTP (Upstash REST protocol), and they win over the rest. */
  UPSTASH_REDIS_REST_URL: optional(z.string().url()),
  UPSTASH_REDIS_REST_TOKEN: optional(z.string()),
  /** `host:port,host:port,…` of a Redis Cluster's seed nodes; wins over REDIS_URL. */
  REDIS_CLUSTER_NODES: optional(z.string().regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/)),
  /** The REST adapter has no SUBSCRIBE: it polls the change feed this often. */
  REST_POLL_MS: z.coerce.number().int().min(10).default(500),
  /** The local REST bridge (`deno task rest-bridge`): its port and the bearer token it wants. */
  REST_BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(8079),
  REST_BRIDGE_TOKEN: optional(z.string().min(16)),
  /** Prefix of every Redis key and channel, so several deployments (or tests) share one Redis. */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/).default("fs"),
  /**
   * Shopper identity: with a secret (HS256) or a JWKS URL, the shopper is the verified token's
   * `sub`; with neither, demo mode (the request's userId is trusted).
   */
  SHOPPER_JWT_SECRET: optional(z.string().min(32)),
  SHOPPER_JWKS_URL: optional(z.string().url()),
  SHOPPER_JWT_AUDIENCE: optional(z.string()),
  SHOPPER_JWT_ISSUER: optional(z.string()),
  /** Without it (or empty) the admin API is closed (503) and says so. */
  ADMIN_TOKEN: z.preprocess((v) => v === "" ? undefined : v, z.string().min(16).optional()),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * PostgreSQL ends a statement running (or waiting on a lock) longer than these, so a hung step
   * cannot keep a sale closed for long; 0 turns one off.
   */
  DB_STATEMENT_TIMEOUT_MS: ms(10_000),
  DB_LOCK_TIMEOUT_MS: ms(5000),
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
  /** Abuse limits: purchase attempts per window, per sale, by one shopper or one client IP. */
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1).default(1000),
  /** 0 turns the limit off (the default, so load tests and same-shopper storms run unthrottled). */
  RATE_LIMIT_PER_SHOPPER: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(0),
  /** Origins (comma-separated, e.g. `https://shop.example`) allowed to call the API from a
   * browser; empty: CORS off. */
  CORS_ORIGINS: z.string().default("").transform((v) =>
    v.split(",").map((s) => s.trim()).filter((s) => s !== "")
  ).pipe(z.array(z.string().regex(/^https?:\/\/[^/\s,]+$/, "must be an origin like https://host"))),
  /** Event streams one client IP may hold open in each process; past it, 429. */
  EVENT_STREAMS_PER_IP: z.coerce.number().int().min(1).default(20),
  /** Event streams one process holds open at most; past it, 429. */
  EVENT_STREAMS_MAX: z.coerce.number().int().min(1).default(10_000),
  /** Proxies of our own in front of the server: X-Forwarded-For counts only through them. */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
}).refine((c) => !c.UPSTASH_REDIS_REST_URL === !c.UPSTASH_REDIS_REST_TOKEN, {
  message: "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are set together",
  path: ["UPSTASH_REDIS_REST_TOKEN"],
})
  // An identity provider signs tokens for every app it serves: without both checks, any of them
  // (another shop's, a test app's) would buy here.
  .refine((c) => !c.SHOPPER_JWKS_URL || c.SHOPPER_JWT_AUDIENCE, {
    message: "required with SHOPPER_JWKS_URL (the `aud` of this shop's tokens)",
    path: ["SHOPPER_JWT_AUDIENCE"],
  })
  .refine((c) => !c.SHOPPER_JWKS_URL || c.SHOPPER_JWT_ISSUER, {
    message: "required with SHOPPER_JWKS_URL (the `iss` of the identity provider)",
    path: ["SHOPPER_JWT_ISSUER"],
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
