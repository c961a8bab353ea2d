import { type Handlers, json } from "../../../lib/web/http.ts";
import { Metrics } from "../../../lib/infra/metrics.ts";
import type { SaleAdmin } from "../../../lib/sales/admin.ts";
import { saleJson } from "../../../lib/domain/sale.ts";
import { seedSaleId } from "../../../lib/web/compat.ts";

/**
 * Public and polled, so it reads Redis only: successes are the sale's buyers (orders committed or
 * on their way to PostgreSQL), refusals those every process answered since the sale's last reset
 * (the shared totals), as the original platform counted them.
 */
export const handler: Handlers = {
  async GET(ctx) {
    const id = await seedSaleId(ctx);
    const { catalog, metrics } = ctx.state;
    const [remaining, buyers, totals, cached] = await Promise.all([
      catalog.remaining(id),
      catalog.buyerCount(id),
      metrics.totals(),
      catalog.find(id),
    ]);
    // Without its Redis state (lost, being rebuilt) only PostgreSQL knows: rare, and brief.
    const s = remaining === null || !cached ? await fromPostgres(ctx.state.admin, id) : {
      sale: cached,
      orders: buyers,
      remaining,
    };
    const failedCount = Object.entries(Metrics.outcomesOf(totals, id))
      .filter(([result]) => result !== "SUCCESS" && result !== "PENDING")
      .reduce((n, [, count]) => n + count, 0);
    return json({
      message: `${s.orders} sold, ${failedCount} refused.`,
      sale: saleJson(s.sale, s.remaining, Date.now()),
      purchases: {
        successCount: s.orders,
        failedCount,
        totalCount: s.orders + failedCount,
      },
    });
  },
};

async function fromPostgres(admin: SaleAdmin, id: number) {
  const s = await admin.stats(id);
  return {
    sale: s.sale,
    orders: s.orders,
    remaining: s.remaining ?? Math.max(0, s.sale.totalStock - s.sold),
  };
}
