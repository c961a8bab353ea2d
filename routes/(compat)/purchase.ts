import { z } from "zod";
import { type Handlers, json, readJson } from "../../lib/web/http.ts";
import { userIdSchema } from "../../lib/domain/input.ts";
import { purchaseAnswer } from "../../lib/domain/outcome.ts";

/** The original platform's `POST /purchase {userId, saleId?}`: sale 1 unless told, 200 on SUCCESS. */
const body = z.strictObject({
  // Optional only for token-identified shoppers (lib/identity/identity.ts); demo mode requires it.
  userId: userIdSchema.optional(),
  saleId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(1),
  quantity: z.number().int().min(1).max(1000).default(1),
});

export const handler: Handlers = {
  async POST(ctx) {
    const input = await readJson(ctx, body);
    const { saleId, quantity } = input;
    const shopper = await ctx.state.identity.shopperOf(ctx, input.userId);
    const outcome = await ctx.state.purchases.purchase(saleId, shopper, quantity);
    const answer = purchaseAnswer(outcome, "original");
    return json(answer.body, answer.status, answer.headers);
  },
};
