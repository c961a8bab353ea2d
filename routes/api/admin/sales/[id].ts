import { type Handlers, idParam, json, parseParams, readJson } from "../../../../lib/web/http.ts";
import { updateSaleInput } from "../../../../lib/domain/input.ts";
import { saleJson } from "../../../../lib/domain/sale.ts";

export const handler: Handlers = {
  async PATCH(ctx) {
    const id = parseParams(idParam, ctx.params.id);
    const changes = await readJson(ctx, updateSaleInput);
    const sale = await ctx.state.admin.update(id, changes);
    const remaining = await ctx.state.catalog.remaining(id);
    return json(saleJson(sale, remaining ?? sale.totalStock, Date.now()));
  },
};
