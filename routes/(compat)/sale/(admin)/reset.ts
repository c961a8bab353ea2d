import { z } from "zod";
import { type Handlers, json, readJson } from "../../../../lib/web/http.ts";
import { seedSaleId } from "../../../../lib/web/compat.ts";

/** `POST /sale/reset {stock}`: sets the stock and clears the sale's orders, as the seed did. */
const body = z.strictObject({ stock: z.number().int().min(0).max(10_000_000) });

export const handler: Handlers = {
  async POST(ctx) {
    const { stock } = await readJson(ctx, body);
    const drift = await ctx.state.admin.reset(await seedSaleId(ctx), stock);
    return json({ message: `Sale reset with ${stock} items.`, stock, reset: drift });
  },
};
