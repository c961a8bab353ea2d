import { type Handlers, idParam, json, parseParams } from "../../../../../lib/http.ts";
import { saleJson } from "../../../../../lib/sales/sale.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const id = parseParams(idParam, ctx.params.id);
    const s = await ctx.state.admin.stats(id);
    const remaining = s.remaining ?? Math.max(0, s.sale.totalStock - s.sold);
    return json({
      sale: saleJson(s.sale, remaining, Date.now()),
      sold: s.sold,
      orders: s.orders,
      remainingStock: remaining,
      outcomes: ctx.state.metrics.outcomesOf(id),
    });
  },
};
