import { type Handlers, json } from "../../lib/web/http.ts";
import { seedSaleId } from "../../lib/web/compat.ts";

/** `POST /sale/recovery` and `POST /sale/init-stock`: rebuild Redis from PostgreSQL. */
export const handler: Handlers = {
  async POST(ctx) {
    return json({ drift: await ctx.state.admin.reconcile(seedSaleId(ctx)) });
  },
};
