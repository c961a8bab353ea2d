import { AppError } from "../../../lib/domain/errors.ts";
import { type Handlers, idParam, jsonText, parseParams } from "../../../lib/web/http.ts";
import { saleJsonText } from "../../../lib/domain/sale.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const id = parseParams(idParam, ctx.params.id);
    const view = await ctx.state.catalog.get(id);
    if (!view) throw new AppError("SALE_NOT_FOUND");
    return jsonText(saleJsonText(view.sale, view.remainingStock, Date.now()));
  },
};
