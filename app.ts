import { Hono } from "hono";
import { clientIp, peerAddress } from "./lib/web/client_ip.ts";
import { AppError, errorBody, type ErrorCode, originalErrorBody } from "./lib/domain/errors.ts";
import { security } from "./lib/web/security.ts";
import type { Handlers } from "./lib/web/http.ts";
import { json } from "./lib/web/http.ts";
import { type Platform, servicesOf } from "./lib/platform.ts";
import { RedisUnavailableError } from "./lib/infra/redis/client.ts";
import { notFoundPage, wantsPage } from "./components/ErrorPage.tsx";
import * as adminPage from "./routes/admin.tsx";
import * as adminLogin from "./routes/admin/login.ts";
import * as adminLogout from "./routes/admin/logout.ts";
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
import * as salePage from "./routes/sales/[id].tsx";
import * as salesPage from "./routes/index.tsx";
import * as staticFiles from "./routes/static/[...path].ts";
import * as seedStatus from "./routes/sale/status.ts";

interface Route {
  path: string;
  handler: Handlers;
  admin?: true;
  /** The original platform's: every error answer also carries `result` and `message`. */
  original?: true;
}

/** Every route, in one place. Paths use Hono's `:param`; files use Fresh's `[param]`. */
const ROUTES: Route[] = [
  // Pages (HTML) and their assets.
  { path: "/", handler: salesPage.handler },
  { path: "/sales/:id", handler: salePage.handler },
  { path: "/admin", handler: adminPage.handler },
  { path: "/admin/login", handler: adminLogin.handler },
  { path: "/admin/logout", handler: adminLogout.handler },
  { path: "/static/:path{.+}", handler: staticFiles.handler },
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
  { path: "/purchase", handler: seedPurchase.handler, original: true },
  { path: "/purchase/:userId", handler: seedPurchaseOf.handler, original: true },
  { path: "/sale/status", handler: seedStatus.handler, original: true },
  { path: "/sale/stats", handler: seedStats.handler, original: true },
  { path: "/sale/reset", handler: seedReset.handler, admin: true, original: true },
  { path: "/sale/:id/times", handler: seedSaleTimes.handler, admin: true, original: true },
  { path: "/sale/init-stock", handler: seedRecovery.handler, admin: true, original: true },
  { path: "/sale/recovery", handler: seedRecovery.handler, admin: true, original: true },
];

/** The first segments of the original routes: an unknown path under them answers their way too. */
const ORIGINAL_PREFIXES = new Set(
  ROUTES.filter((r) => r.original).map((r) => r.path.split("/")[1]),
);

function isOriginal(path: string): boolean {
  return ORIGINAL_PREFIXES.has(path.split("/")[1]);
}

/** The one place error answers are made. */
function errorJson(
  path: string,
  status: number,
  error: { code: ErrorCode; message?: string; details?: unknown },
  headers: Record<string, string> = {},
): Response {
  const shape = isOriginal(path) ? originalErrorBody : errorBody;
  return json(shape(error.code, error.message, error.details), status, headers);
}

/** Connection faults (as opposed to bugs) are answered 503: the client may retry. */
function isUnavailable(error: unknown): boolean {
  if (error instanceof RedisUnavailableError) return true;
  const text = error instanceof Error
    ? `${error.name} ${error.message} ${String((error as { code?: unknown }).code ?? "")}`
    : "";
  return /ECONNREFUSED|ECONNRESET|CONNECT_TIMEOUT|CONNECTION_|Connection is closed|writeable|timed? ?out|ETIMEDOUT|EPIPE|MaxRetriesPerRequest/i
    .test(text);
}

/** Builds the HTTP app over an opened platform. Never listens: main.ts and the tests do that. */
export function buildApp(platform: Platform): Hono {
  const app = new Hono();
  app.use(security(platform.config.CORS_ORIGINS));
  const state = servicesOf(platform);
  const { audit, adminGate: gate } = state;

  for (const route of ROUTES) {
    const methods = Object.keys(route.handler);
    for (const [method, handle] of Object.entries(route.handler)) {
      app.on(method, route.path, async (c) => {
        const req = c.req.raw;
        const ip = clientIp(req, peerAddress(c.env), platform.config.TRUSTED_PROXY_HOPS);
        if (route.admin) await gate.require(req, ip);
        const ctx = {
          req,
          url: new URL(req.url),
          params: c.req.param(),
          state,
          clientIp: ip,
        };
        if (!route.admin) return await handle(ctx);
        // Past the token check: an admin action, written down with how it ended.
        let status = 500;
        try {
          const res = await handle(ctx);
          status = res.status;
          return res;
        } catch (error) {
          if (error instanceof AppError) status = error.status;
          throw error;
        } finally {
          await audit.record(req, ip, status);
        }
      });
    }
    app.all(
      route.path,
      (c) =>
        errorJson(c.req.path, 405, { code: "METHOD_NOT_ALLOWED" }, { allow: methods.join(", ") }),
    );
  }

  app.notFound((c) =>
    wantsPage(c.req.raw) ? notFoundPage() : errorJson(c.req.path, 404, { code: "NOT_FOUND" })
  );
  app.onError((error, c) => {
    if (error instanceof AppError) {
      const retryAfter = error.retryAfterS ?? (error.status === 503 ? 1 : undefined);
      const headers: Record<string, string> = retryAfter === undefined
        ? {}
        : { "retry-after": String(retryAfter) };
      return errorJson(c.req.path, error.status, error, headers);
    }
    const requestId = crypto.randomUUID();
    const code = isUnavailable(error) ? "UNAVAILABLE" : "INTERNAL";
    // An outage fails many requests alike: one line each; a bug gets its stack.
    if (code === "UNAVAILABLE") {
      console.error(`request ${requestId} unavailable: ${(error as Error).message}`);
    } else console.error(`request ${requestId} failed:`, error);
    return errorJson(
      c.req.path,
      code === "UNAVAILABLE" ? 503 : 500,
      { code, details: { requestId } },
      code === "UNAVAILABLE" ? { "retry-after": "1" } : {},
    );
  });
  return app;
}
