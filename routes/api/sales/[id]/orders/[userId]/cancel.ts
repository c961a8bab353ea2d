import { AppError } from "../../../../../../lib/domain/errors.ts";
import { type Handlers, idParam, parseParams } from "../../../../../../lib/web/http.ts";
import { userIdSchema } from "../../../../../../lib/domain/input.ts";
import { holdResponse } from "../../../../../../lib/web/holds.ts";

export const handler: Handlers = {
  async POST(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    // The same identity rules as a purchase: with shopper tokens, only the token's shopper.
    const shopper = await ctx.state.identity.shopperOf(
      ctx,
      parseParams(userIdSchema, ctx.params.userId),
    );
    if (!(await ctx.state.catalog.find(saleId))) throw new AppError("SALE_NOT_FOUND");
    return holdResponse(await ctx.state.holds.cancel(saleId, shopper));
  },
};
