import { z } from "zod";
import { type Handlers, parseJson, readText } from "../../../lib/web/http.ts";
import { SIGNATURE_HEADER } from "../../../lib/checkout/signature.ts";
import { holdResponse } from "../../../lib/web/holds.ts";

const body = z.strictObject({
  id: z.string().min(1).max(255),
  type: z.enum(["payment.succeeded", "payment.failed"]),
  orderId: z.uuid(),
});

export const handler: Handlers = {
  async POST(ctx) {
    // The signature covers the exact bytes sent: read them as they are, check, and only then parse.
    const raw = await readText(ctx);
    await ctx.state.holds.verify(ctx.req.headers.get(SIGNATURE_HEADER), raw);
    const event = parseJson(raw, body);
    return holdResponse(await ctx.state.holds.pay(event));
  },
};
