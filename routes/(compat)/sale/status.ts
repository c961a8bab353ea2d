import { AppError } from "../../../lib/domain/errors.ts";
import { type Handlers, json } from "../../../lib/web/http.ts";
import { saleStatus } from "../../../lib/domain/sale.ts";
import { seedSaleId } from "../../../lib/web/compat.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const view = await ctx.state.catalog.get(await seedSaleId(ctx));
    if (!view) throw new AppError("SALE_NOT_FOUND");
    const { sale, remainingStock } = view;
    return json({
      saleId: sale.id,
      name: sale.name,
      status: saleStatus(sale, Date.now()),
      remainingStock,
      totalStock: sale.totalStock,
      startTime: sale.startTime.toISOString(),
      endTime: sale.endTime.toISOString(),
    });
  },
};
