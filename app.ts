import { Hono } from "hono";
import { requireAdmin } from "./lib/admin_auth.ts";
import { AppError, errorBody } from "./lib/errors.ts";
import type { Handlers } from "./lib/http.ts";
import { json } from "./lib/http.ts";
import type { Platform } from "./lib/platform.ts";
import * as adminSale from "./routes/api/admin/sales/[id].ts";
import * as adminSaleReconcile from "./routes/api/admin/sales/[id]/reconcile.ts";
import * as adminSaleReset from "./routes/api/admin/sales/[id]/reset.ts";
import * as adminSaleStats from "./routes/api/admin/sales/[id]/stats.ts";
import * as adminSales from "./routes/api/admin/sales/index.ts";
import * as sale from "./routes/api/sales/[id].ts";
import * as saleEvents from "./routes/api/sales/[id]/events.ts";
import * as saleOrder from "./routes/api/sales/[id]/orders/[userId].ts";
import * as salePurchase from "./routes/api/sales/[id]/purchase.ts";
import * as sales from "./routes/api/sales/index.ts";
import * as health from "./routes/health.ts";
import * as metrics from "./routes/metrics.ts";
import * as seedPurchase from "./routes/purchase.ts";
import * as seedPurchaseOf from "./routes/purchase/[userId].ts";
import * as seedSaleTimes from "./routes/sale/[id]/times.ts";
import * as seedRecovery from "./routes/sale/recovery.ts";
import * as seedReset from "./routes/sale/reset.ts";
import * as seedStats from "./routes/sale/stats.ts";
import * as seedStatus from "./routes/sale/status.ts";

interface Route {
  path: string;
  handler: Handlers;
  admin?: true;
}

/** Every route, in one place. Paths use Hono's `:param`; files use Fresh's `[param]`. */
const ROUTES: Route[] = [
  { path: "/health", handler: health.handler },
  { path: "/metrics", handler: metrics.handler },
  { path: "/api/sales", handler: sales.handler },
  { path: "/api/sales/:id", handler: sale.handler },
  { path: "/api/sales/:id/purchase", handler: salePurchase.handler },
  { path: "/api/sales/:id/events", handler: saleEvents.handler },
  { path: "/api/sales/:id/orders/:userId", handler: saleOrder.handler },
  { path: "/api/admin/sales", handler: adminSales.handler, admin: true },
  { path: "/api/admin/sales/:id", handler: adminSale.handler, admin: true },
  { path: "/api/admin/sales/:id/reset", handler: adminSaleReset.handler, admin: true },
  { path: "/api/admin/sales/:id/reconcile", handler: adminSaleReconcile.handler, admin: true },
  { path: "/api/admin/sales/:id/stats", handler: adminSaleStats.handler, admin: true },
  // The original platform's routes, kept for its clients and k6 script.
  { path: "/purchase", handler: seedPurchase.handler },
  { path: "/purchase/:userId", handler: seedPurchaseOf.handler },
  { path: "/sale/status", handler: seedStatus.handler },
  { path: "/sale/stats", handler: seedStats.handler },
  { path: "/sale/reset", handler: seedReset.handler, admin: true },
  { path: "/sale/:id/times", handler: seedSaleTimes.handler, admin: true },
  { path: "/sale/init-stock", handler: seedRecovery.handler, admin: true },
  { path: "/sale/recovery", handler: seedRecovery.handler, admin: true },
];

/** Connection faults (as opposed to bugs) are answered 503: the client may retry. */
function isUnavailable(error: unknown): boolean {
  const text = error instanceof Error
    ? `${error.name} ${error.message} ${String((error as { code?: unknown }).code ?? "")}`
    : "";
  return /ECONNREFUSED|ECONNRESET|CONNECT_TIMEOUT|CONNECTION_|Connection is closed|writeable|timed? ?out|ETIMEDOUT|EPIPE|MaxRetriesPerRequest/i
    .test(text);
}

/** Builds the HTTP app over an opened platform. Never listens: main.ts and the tests do that. */
export function buildApp(platform: Platform): Hono {
  const app = new Hono();

  for (const route of ROUTES) {
    const methods = Object.keys(route.handler);
    for (const [method, handle] of Object.entries(route.handler)) {
      app.on(method, route.path, async (c) => {
        const req = c.req.raw;
        if (route.admin) await requireAdmin(req, platform.config.ADMIN_TOKEN);
        return await handle({ req, url: new URL(req.url), params: c.req.param(), state: platform });
      });
    }
    app.all(
      route.path,
      () => json(errorBody("METHOD_NOT_ALLOWED"), 405, { allow: methods.join(", ") }),
    );
  }

  app.notFound(() => json(errorBody("NOT_FOUND"), 404));
  app.onError((error) => {
    if (error instanceof AppError) {
      const headers: Record<string, string> = error.status === 503 ? { "retry-after": "1" } : {};
      return json(errorBody(error.code, error.message, error.details), error.status, headers);
    }
    const requestId = crypto.randomUUID();
    console.error(`request ${requestId} failed:`, error);
    const code = isUnavailable(error) ? "UNAVAILABLE" : "INTERNAL";
    return json(
      errorBody(code, undefined, { requestId }),
      code === "UNAVAILABLE" ? 503 : 500,
      code === "UNAVAILABLE" ? { "retry-after": "1" } : {},
    );
  });
  return app;
}
