import { AppError } from "../../lib/errors.ts";
import { type Handlers, json } from "../../lib/http.ts";
import { saleStatus } from "../../lib/sales/sale.ts";
import { seedSaleId } from "../_seed.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const view = await ctx.state.catalog.get(seedSaleId(ctx));
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
