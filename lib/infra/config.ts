import { z } from "zod";

const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
/** An unset compose variable arrives as "": treated as absent. */
const emptyAsAbsent = (v: unknown) => v === "" ? undefined : v;
const optional = <T extends z.ZodType>(type: T) => z.preprocess(emptyAsAbsent, type.optional());

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000)
    .describe("HTTP port (0..65535), on `0.0.0.0` with `reusePort`."),
  WORKERS: z.coerce.number().int().min(1).max(64).default(navigator.hardwareConcurrency).meta({
    description: "Server processes sharing `PORT` (`reusePort`), started by a first process " +
      "serving nothing: it restarts any that dies and passes SIGTERM on; a worker exits when the " +
      "first process is gone.",
    // The default is the machine's core count: the docs must not print the generating machine's.
    defaultText: "one per core",
  }),
  DATABASE_URL: z.preprocess(
    emptyAsAbsent,
    z.string().url().default("postgres://postgres@127.0.0.1:5432/flashsale"),
  ).describe(
    "PostgreSQL; the database is created if missing and migrated on start. Set, it is used or " +
      "the start fails, never replaced. With no Redis or PostgreSQL variable set and nothing " +
      "answering at either default, `deno task start` runs on " +
      "[embedded services](operations.md#embedded-services).",
  ),
  REDIS_URL: z.preprocess(emptyAsAbsent, z.string().url().default("redis://127.0.0.1:6379"))
    .describe(
      "Redis, over TCP (ioredis). Set, it is used or the start fails, never replaced; unset, " +
        "as `DATABASE_URL` says.",
    ),
  UPSTASH_REDIS_REST_URL: optional(z.string().url()).describe(
    "With `UPSTASH_REDIS_REST_TOKEN`: Redis over HTTP through `@upstash/redis` (Upstash, or " +
      "`deno task rest-bridge`). Wins over `REDIS_CLUSTER_NODES` and `REDIS_URL`. Set both or " +
      "neither.",
  ),
  UPSTASH_REDIS_REST_TOKEN: optional(z.string()).describe("The REST endpoint's bearer token."),
  REDIS_CLUSTER_NODES: optional(z.string().regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/)).describe(
    "`host:port,host:port,…`: seed nodes of a Redis Cluster (ioredis `Cluster`). Wins over " +
      "`REDIS_URL`.",
  ),
  REST_POLL_MS: z.coerce.number().int().min(10).default(500).describe(
    "REST adapter only: how often each process polls the change feed (REST has no SUBSCRIBE). " +
      "At least 10.",
  ),
  REST_BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(8079)
    .describe("`deno task rest-bridge`: its port. It serves `REDIS_URL`."),
  REST_BRIDGE_TOKEN: optional(z.string().min(16)).describe(
    "`deno task rest-bridge`: the bearer token it requires (at least 16 characters); it refuses " +
      "to start without one.",
  ),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/).default("fs").describe(
    "Prefix of every Redis key and channel (1-32 of `A-Za-z0-9_.-`), so several deployments or " +
      "tests share one Redis.",
  ),
  SHOPPER_JWT_SECRET: optional(z.string().min(32)).describe(
    "HS256 secret (32+ characters): shoppers are identified by a verified token's `sub` (see " +
      "[shopper identity](security.md#shopper-identity)). Unset, with `SHOPPER_JWKS_URL` unset " +
      "too: demo mode, the request's `userId` is trusted.",
  ),
  SHOPPER_JWKS_URL: optional(z.string().url())
    .describe("The same with keys from a JWKS URL (RS256, ES256, EdDSA)."),
  SHOPPER_JWT_AUDIENCE: optional(z.string()).describe(
    "With either: the `aud` a token must carry. Required with `SHOPPER_JWKS_URL` (the start is " +
      "refused without it).",
  ),
  SHOPPER_JWT_ISSUER: optional(z.string()).describe(
    "With either: the `iss` a token must carry. Required with `SHOPPER_JWKS_URL` (the start is " +
      "refused without it).",
  ),
  ADMIN_TOKEN: z.preprocess((v) => v === "" ? undefined : v, z.string().min(16).optional())
    .describe(
      "Bearer token of the admin routes, at least 16 characters. Without it every admin route " +
        "answers 503 `ADMIN_DISABLED`.",
    ),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10).describe(
    "PostgreSQL connections per process (1..100). The writer runs up to half of them (at least " +
      "1) as concurrent batches.",
  ),
  DB_PREPARED_STATEMENTS: z.enum(["true", "false"]).default("true").transform((v) => v === "true")
    .describe(
      "The group commit's insert as a named prepared statement: parsed once per connection, and " +
        "a batch is one round trip instead of two (unnamed, postgres.js first asks for the " +
        "parameters' types). `false` behind PgBouncer in transaction pooling before 1.21, which " +
        "cannot keep named statements (see [PgBouncer](operations.md#pgbouncer)).",
    ),
  DB_STATEMENT_TIMEOUT_MS: ms(10_000).describe(
    "PostgreSQL's `statement_timeout` for the app's sessions: a statement running longer is " +
      "cancelled (the request answers 503, a rebuild step gives up), so a hung step cannot keep " +
      "a sale closed for long. 0: not sent. Behind PgBouncer see " +
      "[PgBouncer](operations.md#pgbouncer).",
  ),
  DB_LOCK_TIMEOUT_MS: ms(5000).describe(
    "PostgreSQL's `lock_timeout` for the app's sessions: a statement waiting longer for a lock " +
      "is cancelled. 0: not sent.",
  ),
  COMMIT_WINDOW_MS: ms(0).describe(
    "How long the group-commit writer gathers rows before it writes a batch. 0: it does not " +
      "wait; a batch is what arrived together (one gate call's reservations) and what queued " +
      "while earlier batches were being written.",
  ),
  COMMIT_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(500)
    .describe("Rows per batch at most (1..5000); a full batch is written at once."),
  COMMIT_TIMEOUT_MS: ms(3000).describe(
    "How long a purchase waits for its COMMIT; past it, it answers 202 `pending`.",
  ),
  OUTBOX_MIN_AGE_MS: ms(5000).describe(
    "Outbox entries older than this are ensured in PostgreSQL by the sweeper; younger ones are " +
      "left to their writer.",
  ),
  SWEEP_INTERVAL_MS: ms(1000).describe("How often the sweeper runs."),
  SOLD_OUT_TTL_MS: ms(1000).describe('Life of the in-process "sold out" hint.'),
  SALE_REFRESH_MS: ms(5000).describe(
    "Sale metadata is re-read from PostgreSQL this often, in case a change notice was missed.",
  ),
  MAX_BODY_BYTES: z.coerce.number().int().min(64).default(4096)
    .describe("Largest accepted request body (at least 64); larger answers 413."),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1).default(1000).describe(
    "Window of the abuse limits (fixed windows, counted in Redis by `purchase.lua`).",
  ),
  RATE_LIMIT_PER_SHOPPER: z.coerce.number().int().min(0).default(0).describe(
    "Purchase attempts one shopper may make per window in one sale; more answer 429 " +
      "`RATE_LIMITED` with `Retry-After`. 0 turns it off, the default, so same-shopper storms " +
      "and load tests run unthrottled; 10 is a sensible production value.",
  ),
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(0).describe(
    "The same per client IP (see `TRUSTED_PROXY_HOPS`); 0 turns it off. Many shoppers can share " +
      "one address (carrier NAT, offices): set it generously, e.g. 100.",
  ),
  QUEUE_JOINS_PER_IP: z.coerce.number().int().min(0).default(60).describe(
    "Waiting rooms: challenges, and joins, one client IP (see `TRUSTED_PROXY_HOPS`) may make " +
      "per sale per minute; past it, 429 `RATE_LIMITED` with `Retry-After`. 0 turns it off (load " +
      "tests from one address need that).",
  ),
  ADMISSION_SECRET: optional(z.string().min(32)).describe(
    "Waiting rooms: the secret (32+ characters) that signs challenges and admissions in every " +
      "process. Set it in production. Unset, one is kept in Redis (`<prefix>:admission-secret`), " +
      "read there at each signing; if Redis loses its data, a new one is made and what was signed " +
      "before is void.",
  ),
  PAYMENT_WEBHOOK_SECRET: optional(z.string().min(16)).describe(
    "Checkout sales: the secret (16+ characters) that signs the payment webhook's events " +
      "(`Payment-Signature`, HMAC-SHA256; see [checkout](checkout.md)). Unset, " +
      "`POST /api/payments/webhook` answers 503 `PAYMENTS_DISABLED` and no hold can be paid.",
  ),
  CHECKOUT_URL: optional(
    z.string().regex(
      /^(https?:\/\/[^/\s]+|\/(?!\/))\S*\{orderId\}\S*$/,
      "must be an http(s) URL or a path from / with {orderId} in it",
    ),
  ).describe(
    "Checkout sales: where the sale page's Pay button sends a shopper with a held order, the " +
      "shop's own checkout: `{orderId}` stands for the order's id, and `{saleId}` and `{userId}` " +
      "may be named too (e.g. `https://shop.example/pay/{orderId}?sale={saleId}`). Unset, Pay " +
      "opens the built-in test checkout `/checkout/:orderId`, which marks orders paid without " +
      "any payment: set it in production (see [checkout](checkout.md#the-test-checkout)).",
  ),
  CORS_ORIGINS: z.string().default("").transform((v) =>
    v.split(",").map((s) => s.trim()).filter((s) => s !== "")
  ).pipe(z.array(z.string().regex(/^https?:\/\/[^/\s,]+$/, "must be an origin like https://host")))
    .describe(
      "Comma-separated origins (`https://shop.example`) that may call the API from a browser; " +
        "empty: CORS off. Others get no CORS headers; credentials are never allowed across " +
        "origins.",
    ),
  EVENT_STREAMS_PER_IP: z.coerce.number().int().min(1).default(20).describe(
    "Event streams one client IP (see `TRUSTED_PROXY_HOPS`) may hold open in each server " +
      "process; past it, 429 `TOO_MANY_STREAMS` with `Retry-After: 10`.",
  ),
  EVENT_STREAMS_MAX: z.coerce.number().int().min(1).default(10_000).describe(
    "Event streams one server process holds open at most; past it, the same 429. A stream whose " +
      "client stops reading is cut (see [live streams](operations.md#live-streams)).",
  ),
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0).describe(
    "Proxies of your own in front of the server. 0: `X-Forwarded-For` is ignored and the TCP " +
      "peer is the client. n: the n-th `X-Forwarded-For` entry from the right is the client; " +
      "what the client wrote left of it never counts.",
  ),
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

/** The schema itself, for dev/gen_config_docs.ts: the table in docs/configuration.md. */
export const configSchema = schema;

/** Parses the environment once. The only reader of `Deno.env` in the project. */
export function loadConfig(env: Record<string, string> = Deno.env.toObject()): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  return Object.freeze(parsed.data);
}

/** The variables that name a Redis or a PostgreSQL to use. */
export const SERVICE_VARIABLES = [
  "DATABASE_URL",
  "REDIS_URL",
  "REDIS_CLUSTER_NODES",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
] as const;

/**
 * Whether the environment names any Redis or PostgreSQL (empty counts as unset, as in the schema).
 * With none named, `deno task start` may run on embedded services (lib/infra/embedded.ts); a named
 * one is used or the start fails, never replaced.
 */
export function namesServices(env: Record<string, string> = Deno.env.toObject()): boolean {
  return SERVICE_VARIABLES.some((name) => (env[name] ?? "") !== "");
}
