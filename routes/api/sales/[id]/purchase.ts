import { z } from "zod";
import {
  type Handlers,
  idParam,
  json,
  parseParams,
  readJson,
  userIdSchema,
} from "../../../../lib/http.ts";
import { API_STATUS, purchaseAnswer } from "../../../../lib/sales/outcome.ts";

const body = z.strictObject({
  userId: userIdSchema,
  quantity: z.number().int().min(1).max(1000).default(1),
});

export const handler: Handlers = {
  async POST(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    const { userId, quantity } = await readJson(ctx, body);
    const outcome = await ctx.state.purchases.purchase(saleId, userId, quantity);
    const { status, body: answer } = purchaseAnswer(outcome, API_STATUS);
    return json(answer, status);
  },
};
