import { AppError } from "../../../lib/errors.ts";
import { type Handlers, idParam, json, parseParams } from "../../../lib/http.ts";
import { saleJson } from "../../../lib/sales/sale.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const id = parseParams(idParam, ctx.params.id);
    const view = await ctx.state.catalog.get(id);
    if (!view) throw new AppError("SALE_NOT_FOUND");
    return json(saleJson(view.sale, view.remainingStock, Date.now()));
  },
};
