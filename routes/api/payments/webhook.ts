import { type Handlers, readText } from "../../../lib/web/http.ts";
import { SIGNATURE_HEADER } from "../../../lib/checkout/signature.ts";
import { holdResponse, receivePayment } from "../../../lib/web/holds.ts";

export const handler: Handlers = {
  async POST(ctx) {
    // The signature covers the exact bytes sent: read them as they are, check, and only then parse.
    const raw = await readText(ctx);
    const { holds } = ctx.state;
    return holdResponse(await receivePayment(holds, ctx.req.headers.get(SIGNATURE_HEADER), raw));
  },
};
