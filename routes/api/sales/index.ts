import { type Handlers, json, parseQuery } from "../../../lib/web/http.ts";
import { encodeCursor, salePageQuery } from "../../../lib/domain/input.ts";
import { saleJson } from "../../../lib/domain/sale.ts";

/** Newest first, a page at a time: without parameters, the newest 50 (docs/api.md). */
export const handler: Handlers = {
  async GET(ctx) {
    const q = parseQuery(salePageQuery, ctx.url);
    const now = Date.now();
    const page = await ctx.state.catalog.page(q.cursor ?? null, q.status ?? null, now, q.limit);
    return json({
      sales: page.views.map((v) => saleJson(v.sale, v.remainingStock, now)),
      nextCursor: page.next === null ? null : encodeCursor(page.next),
    });
  },
};
