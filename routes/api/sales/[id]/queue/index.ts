import { z } from "zod";
import {
  type Handlers,
  idParam,
  json,
  parseParams,
  readJson,
} from "../../../../../lib/web/http.ts";
import { userIdSchema } from "../../../../../lib/domain/input.ts";
import { NONCE_MAX_LENGTH } from "../../../../../lib/domain/proof.ts";

const body = z.strictObject({
  userId: userIdSchema.optional(),
  challenge: z.string().min(1).max(200),
  nonce: z.string().min(1).max(NONCE_MAX_LENGTH),
});

export const handler: Handlers = {
  async POST(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    const input = await readJson(ctx, body);
    const shopper = await ctx.state.identity.shopperOf(ctx, input.userId);
    const joined = await ctx.state.queue.join(saleId, shopper, input);
    return json(joined.view, joined.created ? 201 : 200);
  },
};
