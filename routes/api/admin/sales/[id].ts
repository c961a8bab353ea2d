import { type Handlers, idParam, json, parseParams, readJson } from "../../../../lib/http.ts";
import { updateSaleInput } from "../../../../lib/sales/input.ts";
import { saleJson } from "../../../../lib/sales/sale.ts";

export const handler: Handlers = {
  async PATCH(ctx) {
    const id = parseParams(idParam, ctx.params.id);
    const changes = await readJson(ctx, updateSaleInput);
    const sale = await ctx.state.admin.update(id, changes);
    const remaining = await ctx.state.gate.readStock(id);
    return json(saleJson(sale, remaining ?? sale.totalStock, Date.now()));
  },
};
