import { migrate } from "../db/migrate.ts";
import type { Config } from "./infra/config.ts";
import { connectDb, ensureDatabase, type Sql } from "./infra/db.ts";
import { StartupError } from "./infra/startup_error.ts";
import { Gate } from "./gate/gate.ts";
import { salesChannel } from "./gate/keys.ts";
import { ShopperIdentity } from "./identity/identity.ts";
import { Metrics } from "./infra/metrics.ts";
import { Reconciler } from "./recovery/reconciler.ts";
import { OrderRepository } from "./orders/repository.ts";
import { makeSettle } from "./orders/settle.ts";
import { OutboxSweeper } from "./orders/sweeper.ts";
import { OrderWriter } from "./orders/writer.ts";
import type { RedisClient } from "./infra/redis/client.ts";
import { connectRest } from "./infra/redis/rest.ts";
import { connectCluster, connectTcp } from "./infra/redis/tcp.ts";
import { SaleAdmin } from "./sales/admin.ts";
import { SaleCache } from "./sales/cache.ts";
import { Catalog } from "./sales/catalog.ts";
import { LiveFeed } from "./sales/live.ts";
import { PurchaseService } from "./sales/purchase.ts";
import { StockSnapshot } from "./sales/stock.ts";
import { AdminGate } from "./web/admin_auth.ts";
import { AdminAudit } from "./web/admin_audit.ts";
import type { Services } from "./web/services.ts";
import { SaleRepository } from "./sales/repository.ts";
import { WaitingLine } from "./line/line.ts";
import { Admitter } from "./line/admitter.ts";
import { QueueService } from "./sales/queue.ts";
import { Holds } from "./checkout/holds.ts";
import { HoldExpiry } from "./checkout/expiry.ts";

/** Everything the routes use, wired once per process. */
export interface Platform {
  config: Config;
  sql: Sql;
  redis: RedisClient;
  gate: Gate;
  cache: SaleCache;
  stock: StockSnapshot;
  catalog: Catalog;
  purchases: PurchaseService;
  admin: SaleAdmin;
  orders: OrderRepository;
  writer: OrderWriter;
  sweeper: OutboxSweeper;
  reconciler: Reconciler;
  metrics: Metrics;
  identity: ShopperIdentity;
  live: LiveFeed;
  line: WaitingLine;
  queue: QueueService;
  admitter: Admitter;
  holds: Holds;
  expiry: HoldExpiry;
  close(): Promise<void>;
}

/** The narrow face the routes get (lib/web/services.ts), one per platform. */
export function servicesOf(platform: Platform): Services {
  return {
    config: platform.config,
    catalog: platform.catalog,
    purchases: platform.purchases,
    admin: platform.admin,
    identity: platform.identity,
    live: platform.live,
    queue: platform.queue,
    holds: platform.holds,
    metrics: platform.metrics,
    health: {
      redis: () => platform.redis.ping(),
      postgres: () => platform.sql`SELECT 1`,
    },
    adminGate: AdminGate.of(platform),
    audit: new AdminAudit(platform.sql),
  };
}

export { StartupError };

function where(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The one line that starts the service at a local URL (Docker, or Debian's package), for the
 * `cannot start` message; none for a remote host, which only its operator can start.
 */
function howToStart(service: "redis" | "postgres", url: string): string {
  const u = new URL(url);
  if (!LOCAL_HOSTS.has(u.hostname)) return "";
  const port = u.port || (service === "redis" ? "6379" : "5432");
  return service === "redis"
    ? `\n  start it: docker run -d --name flashsale-redis -p 127.0.0.1:${port}:6379 redis:7` +
      `\n  or (Debian/Ubuntu): sudo apt-get install redis-server`
    : `\n  start it: docker run -d --name flashsale-postgres -p 127.0.0.1:${port}:5432 ` +
      `-e POSTGRES_HOST_AUTH_METHOD=trust postgres:16` +
      `\n  or (Debian/Ubuntu): sudo apt-get install postgresql, and a DATABASE_URL with its ` +
      `user and password`;
}

/** Which Redis the configuration names: REST wins over a cluster, which wins over REDIS_URL. */
function redisBackend(
  config: Config,
): { name: string; hint?: string; connect(): Promise<RedisClient> } {
  const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = config;
  if (url && token) {
    return {
      name: `${where(url)} (REST, UPSTASH_REDIS_REST_URL)`,
      connect: () => connectRest({ url, token, pollMs: config.REST_POLL_MS }),
    };
  }
  const nodes = config.REDIS_CLUSTER_NODES;
  if (nodes) {
    return {
      name: `${nodes} (cluster, REDIS_CLUSTER_NODES)`,
      connect: () => connectCluster(nodes),
    };
  }
  return {
    name: `${where(config.REDIS_URL)} (REDIS_URL)`,
    hint: howToStart("redis", config.REDIS_URL),
    connect: () => connectTcp(config.REDIS_URL),
  };
}

export async function openPlatform(config: Config): Promise<Platform> {
  try {
    await ensureDatabase(config.DATABASE_URL);
  } catch (error) {
    throw new StartupError(
      `PostgreSQL is unreachable at ${where(config.DATABASE_URL)} (DATABASE_URL): ${
        (error as Error).message
      }${howToStart("postgres", config.DATABASE_URL)}`,
    );
  }
  const sql = connectDb(config.DATABASE_URL, {
    max: config.DB_POOL_SIZE,
    prepare: config.DB_PREPARED_STATEMENTS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
  });
  await migrate(sql);

  let redis: RedisClient;
  const backend = redisBackend(config);
  try {
    redis = await backend.connect();
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw new StartupError(
      `Redis is unreachable at ${backend.name}: ${(error as Error).message}${backend.hint ?? ""}`,
    );
  }

  const gate = await Gate.load(redis, config.REDIS_KEY_PREFIX, {
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    perShopper: config.RATE_LIMIT_PER_SHOPPER,
    perClient: config.RATE_LIMIT_PER_IP,
  });
  const salesRepo = new SaleRepository(sql);
  const orders = new OrderRepository(sql);
  const cache = new SaleCache(salesRepo, redis, salesChannel(config.REDIS_KEY_PREFIX), {
    refreshMs: config.SALE_REFRESH_MS,
    soldOutTtlMs: config.SOLD_OUT_TTL_MS,
  });
  const notify = (saleId: number) => void cache.notify(saleId).catch(() => {});
  const settle = makeSettle(orders, gate, notify);
  const writer = new OrderWriter(settle, {
    windowMs: config.COMMIT_WINDOW_MS,
    maxBatch: config.COMMIT_MAX_BATCH,
    maxInFlight: Math.max(1, Math.floor(config.DB_POOL_SIZE / 2)),
    timeoutMs: config.COMMIT_TIMEOUT_MS,
  });
  const sweeper = new OutboxSweeper(gate, settle, () => cache.ids(), {
    minAgeMs: config.OUTBOX_MIN_AGE_MS,
    intervalMs: config.SWEEP_INTERVAL_MS,
  });
  const reconciler = new Reconciler(gate, orders, sweeper, notify);
  const metrics = await Metrics.load(redis, config.REDIS_KEY_PREFIX);
  const stock = new StockSnapshot(gate);
  const line = await WaitingLine.load(redis, config.REDIS_KEY_PREFIX, {
    secret: config.ADMISSION_SECRET,
    joinsPerIp: config.QUEUE_JOINS_PER_IP,
  });
  const queue = new QueueService(cache, line, reconciler);
  const admitter = new Admitter(
    redis,
    config.REDIS_KEY_PREFIX,
    line,
    () => cache.all(),
    (saleId) => reconciler.ensure(saleId),
  );
  cache.onNotice((saleId) => stock.noticed(saleId));
  const purchases = new PurchaseService(
    cache,
    gate,
    writer,
    reconciler,
    metrics,
    stock,
    line,
    orders,
  );
  const holds = await Holds.load(
    sql,
    redis,
    orders,
    gate,
    notify,
    (saleId) => reconciler.ensure(saleId),
    config.PAYMENT_WEBHOOK_SECRET,
  );
  const expiry = await HoldExpiry.load(redis, config.REDIS_KEY_PREFIX, holds);
  const admin = new SaleAdmin(salesRepo, orders, gate, cache, reconciler, line, metrics, holds);
  const catalog = new Catalog(cache, gate, orders, stock, salesRepo);
  const live = new LiveFeed(stock, cache, line, {
    // At most four updates a second per stream (DESIGN §5).
    intervalMs: 250,
    perIp: config.EVENT_STREAMS_PER_IP,
    max: config.EVENT_STREAMS_MAX,
  });

  await cache.start();
  // Sales whose Redis state is missing (first start, or Redis lost its data) are rebuilt now.
  await Promise.allSettled(
    cache.ids().map(async (id) => {
      if (await gate.readStock(id) === null) await reconciler.reconcile(id);
    }),
  );
  sweeper.start();
  admitter.start();
  expiry.start();
  metrics.start({
    counters: () => ({
      flashsale_commit_batches_total: writer.stats.batches,
      flashsale_commit_rows_total: writer.stats.rows,
      flashsale_commit_failures_total: writer.stats.failures,
      flashsale_gate_batches_total: gate.stats.batches,
      flashsale_gate_attempts_total: gate.stats.attempts,
      flashsale_gate_trims_folded_total: gate.stats.trimsFolded,
      flashsale_gate_trims_flushed_total: gate.stats.trimsFlushed,
      flashsale_outbox_swept_total: sweeper.stats.swept,
      flashsale_outbox_sweep_failures_total: sweeper.stats.failures,
      flashsale_reconciles_total: reconciler.stats.runs,
      flashsale_reconcile_repairs_total: reconciler.stats.repaired,
      flashsale_reconcile_stock_drift_total: reconciler.stats.stockDrift,
      flashsale_accept_errors_total: metrics.acceptErrors,
      flashsale_holds_paid_total: holds.stats.paid,
      flashsale_holds_cancelled_total: holds.stats.cancelled,
      flashsale_holds_expired_total: holds.stats.expired,
      flashsale_holds_released_total: holds.stats.released,
      flashsale_late_payments_total: holds.stats.late,
    }),
    histograms: {
      flashsale_commit_batch_rows: writer.batchRows,
      flashsale_commit_batch_duration_seconds: writer.batchLatency,
      flashsale_gate_batch_attempts: gate.batchAttempts,
    },
    gauges: () => {
      const memory = Deno.memoryUsage();
      return {
        // Prometheus' standard process gauge names, so the usual dashboards (and the soak) read them.
        process_resident_memory_bytes: memory.rss,
        nodejs_heap_size_used_bytes: memory.heapUsed,
        nodejs_heap_size_total_bytes: memory.heapTotal,
        flashsale_sse_clients: live.clients,
      };
    },
    isPast: (saleId) => cache.isPast(saleId),
  });

  return {
    config,
    sql,
    redis,
    gate,
    cache,
    stock,
    catalog,
    purchases,
    admin,
    orders,
    writer,
    sweeper,
    reconciler,
    metrics,
    identity: ShopperIdentity.from(config),
    live,
    line,
    queue,
    admitter,
    holds,
    expiry,
    async close() {
      live.stop();
      admitter.stop();
      await expiry.stop();
      stock.stop();
      await sweeper.stop();
      await writer.drain();
      // After the writer: its last batches are counted too.
      await metrics.stop();
      await cache.stop();
      await redis.close();
      await sql.end({ timeout: 5 });
    },
  };
}
