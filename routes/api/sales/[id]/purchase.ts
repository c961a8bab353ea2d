import { z } from "zod";
import { type Handlers, idParam, json, parseParams, readJson } from "../../../../lib/web/http.ts";
import { userIdSchema } from "../../../../lib/domain/input.ts";
import { purchaseAnswer, soldOutResponse } from "../../../../lib/domain/outcome.ts";

const body = z.strictObject({
  // Optional only for token-identified shoppers (lib/identity/identity.ts); demo mode requires it.
  userId: userIdSchema.optional(),
  quantity: z.number().int().min(1).max(1000).default(1),
  /** The waiting room's admission (docs/waiting-room.md), for a sale that has one. */
  admission: z.string().min(1).max(200).optional(),
});

export const handler: Handlers = {
  async POST(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    const input = await readJson(ctx, body);
    const shopper = await ctx.state.identity.shopperOf(ctx, input.userId);
    // Once sold out, everyone but the sale's buyers gets one pre-serialised refusal, with no Redis
    // call (see lib/sales/purchase.ts).
    if (ctx.state.purchases.refusedAsSoldOut(saleId, shopper)) return soldOutResponse();
    const outcome = await ctx.state.purchases.purchase(
      saleId,
      shopper,
      input.quantity,
      input.admission,
    );
    const answer = purchaseAnswer(outcome, "api");
    return json(answer.body, answer.status, answer.headers);
  },
};
