import {
  type Handlers,
  idParam,
  json,
  parseParams,
  readJson,
} from "../../../../../lib/web/http.ts";
import { saleTimesInput } from "../../../../../lib/domain/input.ts";
import { saleJson } from "../../../../../lib/domain/sale.ts";

export const handler: Handlers = {
  async PUT(ctx) {
    const id = parseParams(idParam, ctx.params.id);
    const times = await readJson(ctx, saleTimesInput);
    const sale = await ctx.state.admin.update(id, times);
    const remaining = await ctx.state.catalog.remaining(id);
    return json({
      ...saleJson(sale, remaining ?? sale.totalStock, Date.now()),
      message: "The sale's times are updated.",
    });
  },
};
