import { type Handlers, json, parseParams } from "../../../lib/web/http.ts";
import { userIdSchema } from "../../../lib/domain/input.ts";
import { orderJson } from "../../../lib/domain/order.ts";
import { seedSaleId } from "../../../lib/web/compat.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const shopper = await ctx.state.identity.shopperOf(
      ctx,
      parseParams(userIdSchema, ctx.params.userId),
    );
    const order = await ctx.state.catalog.order(await seedSaleId(ctx), shopper);
    // The original UI shows `message` for every answer, this one included.
    return json(
      order
        ? { purchased: true, message: "You have an order in this sale.", order: orderJson(order) }
        : { purchased: false, message: "You have no order in this sale." },
    );
  },
};
