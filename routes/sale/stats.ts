import { type Handlers, json } from "../../lib/http.ts";
import { saleJson } from "../../lib/sales/sale.ts";
import { seedSaleId } from "../_seed.ts";

/** Success is PostgreSQL's order count; refusals are those this process answered. */
export const handler: Handlers = {
  async GET(ctx) {
    const id = seedSaleId(ctx);
    const s = await ctx.state.admin.stats(id);
    const outcomes = ctx.state.metrics.outcomesOf(id);
    const failedCount = Object.entries(outcomes)
      .filter(([result]) => result !== "SUCCESS" && result !== "PENDING")
      .reduce((n, [, count]) => n + count, 0);
    const remaining = s.remaining ?? Math.max(0, s.sale.totalStock - s.sold);
    return json({
      sale: saleJson(s.sale, remaining, Date.now()),
      purchases: {
        successCount: s.orders,
        failedCount,
        totalCount: s.orders + failedCount,
      },
    });
  },
};
