import { type Handlers, idParam, json, parseParams } from "../../../../../lib/web/http.ts";
import { Metrics } from "../../../../../lib/infra/metrics.ts";
import { saleJson } from "../../../../../lib/domain/sale.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const id = parseParams(idParam, ctx.params.id);
    const { admin, metrics } = ctx.state;
    await metrics.flush();
    const [s, totals] = await Promise.all([admin.stats(id), metrics.totals()]);
    const remaining = s.remaining ?? Math.max(0, s.sale.totalStock - s.sold);
    return json({
      sale: saleJson(s.sale, remaining, Date.now()),
      sold: s.sold,
      orders: s.orders,
      remainingStock: remaining,
      outcomes: Metrics.outcomesOf(totals, id),
      queue: s.queue,
      holds: s.holds,
      latePayments: s.latePayments,
    });
  },
};
