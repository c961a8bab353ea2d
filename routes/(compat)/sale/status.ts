import { AppError } from "../../../lib/domain/errors.ts";
import { type Handlers, json } from "../../../lib/web/http.ts";
import { saleStatus } from "../../../lib/domain/sale.ts";
import { seedSaleId } from "../../../lib/web/compat.ts";

const STATUS_MESSAGES = {
  UPCOMING: "The sale has not started yet.",
  ACTIVE: "The sale is on.",
  ENDED: "The sale has ended.",
} as const;

export const handler: Handlers = {
  async GET(ctx) {
    const view = await ctx.state.catalog.get(await seedSaleId(ctx));
    if (!view) throw new AppError("SALE_NOT_FOUND");
    const { sale, remainingStock } = view;
    const status = saleStatus(sale, Date.now());
    return json({
      saleId: sale.id,
      name: sale.name,
      status,
      // The original UI shows `message` for every answer of these routes.
      message: STATUS_MESSAGES[status],
      remainingStock,
      totalStock: sale.totalStock,
      startTime: sale.startTime.toISOString(),
      endTime: sale.endTime.toISOString(),
    });
  },
};
