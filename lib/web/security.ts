import type { MiddlewareHandler } from "hono";

/**
 * What every answer carries. Pages set their own policy (lib/web/page.ts: our scripts and styles,
 * the event stream on 'self'); everything else (JSON, SSE, metrics, static files) is data that
 * must never run or be framed, so it gets the strictest one. Built once: the middleware runs on
 * every request.
 */
const DEFAULTS: readonly (readonly [string, string])[] = Object.freeze(
  [
    ["x-content-type-options", "nosniff"],
    ["referrer-policy", "same-origin"],
    ["x-frame-options", "DENY"],
    ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
  ] as const,
);

function withDefaults(headers: Headers): void {
  for (const [name, value] of DEFAULTS) {
    if (!headers.has(name)) headers.set(name, value);
  }
}

/**
 * Security headers, and CORS: off unless `corsOrigins` lists origins. A listed origin may call
 * the API from a browser (simple requests and preflights); any other gets no CORS header at all,
 * so the browser keeps the answer from it. Credentials are never allowed across origins: the
 * admin cookie stays same-origin.
 */
export function security(corsOrigins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(corsOrigins);
  // Without origins, CORS changes no answer: the request's Origin is not even looked at.
  if (allowed.size === 0) {
    return async (c, next) => {
      await next();
      withDefaults(c.res.headers);
    };
  }
  return async (c, next) => {
    const origin = c.req.header("origin");
    const cors = origin !== undefined && allowed.has(origin);
    if (cors && c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
      return new Response(null, {
        status: 204,
        headers: {
          ...Object.fromEntries(DEFAULTS),
          "access-control-allow-origin": origin,
          "access-control-allow-methods": "GET, POST, PATCH, PUT",
          "access-control-allow-headers": "content-type, authorization",
          "access-control-max-age": "600",
          vary: "origin",
        },
      });
    }
    await next();
    const headers = c.res.headers;
    withDefaults(headers);
    headers.append("vary", "origin");
    if (cors) {
      headers.set("access-control-allow-origin", origin);
      headers.set("access-control-expose-headers", "retry-after");
    }
  };
}
