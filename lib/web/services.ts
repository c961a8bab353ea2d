import type { Config } from "../infra/config.ts";
import type { Metrics } from "../infra/metrics.ts";
import type { ShopperIdentity } from "../identity/identity.ts";
import type { SaleAdmin } from "../sales/admin.ts";
import type { Catalog } from "../sales/catalog.ts";
import type { LiveFeed } from "../sales/live.ts";
import type { PurchaseService } from "../sales/purchase.ts";
import type { QueueService } from "../sales/queue.ts";
import type { Holds } from "../checkout/holds.ts";
import type { AdminGate } from "./admin_auth.ts";
import type { AdminAudit } from "./admin_audit.ts";

/** The probes of /health: each resolves when its backing service answers. */
export interface Health {
  redis(): Promise<unknown>;
  postgres(): Promise<unknown>;
}

/**
 * What a route may use (its context's `state`): the services, never the connections, the gate or
 * the repositories behind them, so every route goes through the same rules.
 */
export interface Services {
  config: Pick<
    Config,
    | "ADMIN_TOKEN"
    | "MAX_BODY_BYTES"
    | "TRUSTED_PROXY_HOPS"
    | "CORS_ORIGINS"
    | "CHECKOUT_URL"
    | "PAYMENT_WEBHOOK_SECRET"
  >;
  catalog: Catalog;
  purchases: PurchaseService;
  admin: SaleAdmin;
  identity: ShopperIdentity;
  live: LiveFeed;
  queue: QueueService;
  /** Checkout holds: payments and cancels. */
  holds: Holds;
  metrics: Metrics;
  health: Health;
  adminGate: AdminGate;
  audit: AdminAudit;
}
