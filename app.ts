import { Hono } from "hono";
import { clientIp, peerAddress } from "./lib/web/client_ip.ts";
import { AppError, errorBody, type ErrorCode, originalErrorBody } from "./lib/domain/errors.ts";
import { security } from "./lib/web/security.ts";
import { json, type Middleware, type RouteContext } from "./lib/web/http.ts";
import { routes } from "./routes.gen.ts";
import { type Platform, servicesOf } from "./lib/platform.ts";
import type { Services } from "./lib/web/services.ts";
import { RedisUnavailableError } from "./lib/infra/redis/client.ts";
import { notFoundPage, wantsPage } from "./components/ErrorPage.tsx";
/** The first segments of the original routes: an unknown path under them answers their way too. */
const ORIGINAL_PREFIXES = new Set(
  routes.filter((r) => r.middlewares.some((m) => m.errors === "original"))
    .map((r) => r.path.split("/")[1]),
);

/** The route's handler inside its folders' middlewares, the outermost first. */
function wrapped(
  middlewares: Middleware[],
  handle: (ctx: RouteContext) => Response | Promise<Response>,
): (ctx: RouteContext) => Promise<Response> {
  return middlewares.reduceRight<(ctx: RouteContext) => Promise<Response>>(
    (next, middleware) => (ctx) => middleware(ctx, () => next(ctx)),
    async (ctx) => await handle(ctx),
  );
}

/**
 * A route's context. The URL and the client's address are worked out on first use: most routes
 * (a status read, a sold-out refusal) need neither, and each cost a parse per request.
 */
class LazyContext implements RouteContext {
  #url: URL | undefined;
  #clientIp: string | undefined;

  constructor(
    readonly req: Request,
    readonly params: Record<string, string>,
    readonly state: Services,
    private readonly env: unknown,
    private readonly trustedHops: number,
  ) {}

  get url(): URL {
    return this.#url ??= new URL(this.req.url);
  }

  get clientIp(): string {
    return this.#clientIp ??= clientIp(this.req, peerAddress(this.env), this.trustedHops);
  }
}

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

/** The HTTP app: a fetch handler for `Deno.serve`, whose second argument gives the peer. */
export interface App {
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response>;
}

/** Builds the HTTP app over an opened platform. Never listens: main.ts and the tests do that. */
export function buildApp(platform: Platform): App {
  const app = new Hono();
  const secure = security(platform.config.CORS_ORIGINS);
  const state = servicesOf(platform);
  const hops = platform.config.TRUSTED_PROXY_HOPS;

  // One Hono handler per path, which picks the method itself: a request matching a single
  // handler skips Hono's middleware chain (`compose`), a cost every request paid.
  for (const route of routes) {
    const handlers = route.module.handler;
    const middlewares = route.middlewares.flatMap((m) => m.handler ? [m.handler] : []);
    const runs = new Map(
      Object.entries(handlers).map(([method, handle]) => [method, wrapped(middlewares, handle)]),
    );
    const allow = Object.keys(handlers).join(", ");
    app.all(route.path, (c) => {
      // Hono routes a HEAD as a GET and drops the body of its answer.
      const method = c.req.method === "HEAD" ? "GET" : c.req.method;
      const run = runs.get(method);
      return run
        ? run(new LazyContext(c.req.raw, c.req.param(), state, c.env, hops))
        : errorJson(c.req.path, 405, { code: "METHOD_NOT_ALLOWED" }, { allow });
    });
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
  return { fetch: (req, info) => secure(req, () => app.fetch(req, info)) };
}
