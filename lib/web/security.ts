/**
 * What every answer carries. Pages set their own, fuller set (lib/web/page.ts: our scripts and
 * styles, the event stream on 'self', plus `X-Frame-Options` and `Referrer-Policy` for the
 * browsers that read those). Everything else (JSON, SSE, metrics, static files) is data that must
 * never be sniffed, run or framed, so it gets the strictest policy and nothing more: a data answer
 * opened as a document can load nothing (`default-src 'none'`) and so has no referrer to leak,
 * and `frame-ancestors 'none'` is what `X-Frame-Options: DENY` says, for every browser that
 * speaks CSP 2. Kept this short on purpose: Deno's server sends an answer of up to 512 bytes in
 * one write and a longer one in two, and a status read or a purchase answer fits in one only
 * without the two redundant headers (docs/load-tests.md). Built once: set on every answer.
 */
const DEFAULTS: readonly (readonly [string, string])[] = Object.freeze(
  [
    ["x-content-type-options", "nosniff"],
    ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
  ] as const,
);

function withDefaults(headers: Headers): void {
  for (const [name, value] of DEFAULTS) {
    if (!headers.has(name)) headers.set(name, value);
  }
}

/** Answers a request: a route, or the 404 and error answers of the app. */
export type Answer = () => Response | Promise<Response>;

/**
 * Security headers, and CORS: off unless `corsOrigins` lists origins. A listed origin may call
 * the API from a browser (simple requests and preflights); any other gets no CORS header at all,
 * so the browser keeps the answer from it. Credentials are never allowed across origins: the
 * admin cookie stays same-origin. Wraps the whole app, not a Hono middleware: a Hono route with
 * a single handler skips Hono's middleware chain (`compose`), which every request paid for.
 */
export function security(
  corsOrigins: readonly string[],
): (req: Request, answer: Answer) => Promise<Response> {
  const allowed = new Set(corsOrigins);
  // Without origins, CORS changes no answer: the request's Origin is not even looked at.
  if (allowed.size === 0) {
    return async (_req, answer) => {
      const res = await answer();
      withDefaults(res.headers);
      return res;
    };
  }
  return async (req, answer) => {
    const origin = req.headers.get("origin") ?? undefined;
    const cors = origin !== undefined && allowed.has(origin);
    if (cors && req.method === "OPTIONS" && req.headers.get("access-control-request-method")) {
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
    const res = await answer();
    const headers = res.headers;
    withDefaults(headers);
    headers.append("vary", "origin");
    if (cors) {
      headers.set("access-control-allow-origin", origin);
      headers.set("access-control-expose-headers", "retry-after");
    }
    return res;
  };
}
