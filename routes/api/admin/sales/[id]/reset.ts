import { z } from "zod";
import {
  type Handlers,
  idParam,
  json,
  parseParams,
  readJson,
} from "../../../../../lib/web/http.ts";

const body = z.strictObject({ totalStock: z.number().int().min(0).max(10_000_000).optional() });

export const handler: Handlers = {
  async POST(ctx) {
    const id = parseParams(idParam, ctx.params.id);
    // The body is optional: a bare POST resets to the sale's current total.
    const bare = (ctx.req.headers.get("content-length") ?? "0") === "0" &&
      !ctx.req.headers.has("transfer-encoding");
    const { totalStock } = bare ? {} : await readJson(ctx, body);
    return json({ reset: await ctx.state.admin.reset(id, totalStock) });
  },
};
