import { type Handlers, json, readJson } from "../../../../lib/web/http.ts";
import { createSaleInput } from "../../../../lib/domain/input.ts";
import { saleJson } from "../../../../lib/domain/sale.ts";

export const handler: Handlers = {
  async POST(ctx) {
    const input = await readJson(ctx, createSaleInput);
    const sale = await ctx.state.admin.create(input);
    return json(saleJson(sale, sale.totalStock, Date.now()), 201);
  },
};
