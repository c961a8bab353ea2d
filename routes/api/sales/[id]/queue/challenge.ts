import { z } from "zod";
import {
  type Handlers,
  idParam,
  json,
  parseParams,
  readJson,
} from "../../../../../lib/web/http.ts";
import { userIdSchema } from "../../../../../lib/domain/input.ts";

const body = z.strictObject({ userId: userIdSchema.optional() });

export const handler: Handlers = {
  async POST(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    const input = await readJson(ctx, body);
    const shopper = await ctx.state.identity.shopperOf(ctx, input.userId);
    const c = await ctx.state.queue.challenge(saleId, shopper);
    return json({
      challenge: c.challenge,
      bits: c.bits,
      expiresAt: new Date(c.expiresAtMs).toISOString(),
    });
  },
};
