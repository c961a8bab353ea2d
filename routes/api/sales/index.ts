import { type Handlers, json } from "../../../lib/http.ts";
import { saleJson } from "../../../lib/sales/sale.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const now = Date.now();
    const views = await ctx.state.catalog.list();
    return json({ sales: views.map((v) => saleJson(v.sale, v.remainingStock, now)) });
  },
};
