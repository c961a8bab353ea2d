import { AppError } from "../../../../lib/domain/errors.ts";
import { type Handlers, idParam, parseParams } from "../../../../lib/web/http.ts";

/** A refused stream's client may retry once others have closed: a browser's tab, a deploy. */
const RETRY_AFTER_S = 10;

/** Server-Sent Events: the sale's stock and status when they change, and a heartbeat. */
export const handler: Handlers = {
  async GET(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    const opened = await ctx.state.live.open(saleId, ctx.clientIp);
    switch (opened.kind) {
      case "SALE_NOT_FOUND":
        throw new AppError("SALE_NOT_FOUND");
      case "TOO_MANY":
        throw new AppError("TOO_MANY_STREAMS", undefined, undefined, RETRY_AFTER_S);
      case "STOPPED":
        throw new AppError("SHUTTING_DOWN");
      case "OPEN":
        return new Response(opened.stream, {
          headers: {
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
            "x-accel-buffering": "no",
          },
        });
    }
  },
};
