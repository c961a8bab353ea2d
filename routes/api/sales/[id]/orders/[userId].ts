import { AppError } from "../../../../../lib/domain/errors.ts";
import { type Handlers, idParam, json, parseParams } from "../../../../../lib/web/http.ts";
import { userIdSchema } from "../../../../../lib/domain/input.ts";
import { orderJson } from "../../../../../lib/domain/order.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    // With shopper tokens, a shopper reads only their own order.
    const shopper = await ctx.state.identity.shopperOf(
      ctx,
      parseParams(userIdSchema, ctx.params.userId),
    );
    if (!(await ctx.state.catalog.find(saleId))) throw new AppError("SALE_NOT_FOUND");
    const order = await ctx.state.catalog.order(saleId, shopper);
    if (!order) throw new AppError("ORDER_NOT_FOUND");
    return json({ order: orderJson(order) });
  },
};
