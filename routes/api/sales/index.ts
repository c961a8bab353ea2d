import { type Handlers, json } from "../../../lib/web/http.ts";
import { saleJson } from "../../../lib/domain/sale.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const now = Date.now();
    const views = await ctx.state.catalog.list();
    return json({ sales: views.map((v) => saleJson(v.sale, v.remainingStock, now)) });
  },
};
