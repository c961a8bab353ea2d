import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { Stylesheet } from "../build.ts";
import { assets, islandTags, withIslands } from "./islands.ts";

/** Headers of every page: live data is never cached, and nothing runs but our own scripts. */
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
  // Inline styles are allowed for the server-rendered widths of stock bars; scripts are not.
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' " +
    "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; " +
    "base-uri 'none'; form-action 'self'",
};

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

export interface PageOptions {
  title: string;
  /** The stylesheet bundles the page links, in this order: `shop` always, `admin` after it. */
  stylesheets: readonly Stylesheet[];
  description?: string;
  status?: number;
  headers?: Record<string, string>;
}

/** Renders a page body (a server component tree with islands) into a whole HTML document. */
export async function renderPage(body: VNode, options: PageOptions): Promise<Response> {
  const m = await assets();
  const { result: html, islands } = withIslands(() => renderToString(body));
  const tags = islandTags(m, islands);
  const styles = options.stylesheets
    .map((name) => `<link rel="stylesheet" href="${m.styles[name]}">`).join("");
  const description = options.description ?? "Limited stock, fair queue: one order per shopper.";
  const document = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(options.title)}</title>` +
    `<meta name="description" content="${escapeHtml(description)}">` +
    `<meta name="theme-color" content="#0f3d3e">` +
    `<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">` +
    `${styles}${tags.head}</head>` +
    `<body>${html}${tags.body}</body></html>`;
  return new Response(document, {
    status: options.status ?? 200,
    headers: { ...PAGE_HEADERS, ...options.headers },
  });
}

/** A redirect after a form POST, so a reload does not post again. */
export function seeOther(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, ...headers } });
}
