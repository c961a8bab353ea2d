import { type Handlers, idParam, json, parseParams } from "../../../../../lib/web/http.ts";

export const handler: Handlers = {
  async POST(ctx) {
    const id = parseParams(idParam, ctx.params.id);
    return json({ drift: await ctx.state.admin.reconcile(id) });
  },
};
