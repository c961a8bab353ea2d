import { type Handlers, json } from "../../lib/http.ts";
import { seedSaleId } from "../_seed.ts";

/** `POST /sale/recovery` and `POST /sale/init-stock`: rebuild Redis from PostgreSQL. */
export const handler: Handlers = {
  async POST(ctx) {
    return json({ drift: await ctx.state.admin.reconcile(seedSaleId(ctx)) });
  },
};
