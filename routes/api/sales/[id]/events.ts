import { AppError } from "../../../../lib/errors.ts";
import { type Handlers, idParam, parseParams } from "../../../../lib/http.ts";

const HEARTBEAT_MS = 15_000;

/** Server-Sent Events: the sale's stock and status when they change, and a heartbeat. */
export const handler: Handlers = {
  async GET(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    const live = ctx.state.live;
    const first = await live.current(saleId);
    if (!first) throw new AppError("SALE_NOT_FOUND");
    const encoder = new TextEncoder();
    let close = () => {};
    let lastSent = `${first.remainingStock}/${first.status}`;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            close();
          }
        };
        send(`retry: 2000\nevent: sale\ndata: ${JSON.stringify(first)}\n\n`);
        const unsubscribe = live.subscribe(
          saleId,
          (u) => {
            // The feed tells of changes since its last tick; this stream may have sent them.
            const key = `${u.remainingStock}/${u.status}`;
            if (key === lastSent) return;
            lastSent = key;
            send(`event: sale\ndata: ${JSON.stringify(u)}\n\n`);
          },
          () => {
            close();
            try {
              controller.close();
            } catch { /* already closed */ }
          },
        );
        const heartbeat = setInterval(() => send(`: heartbeat ${Date.now()}\n\n`), HEARTBEAT_MS);
        close = () => {
          clearInterval(heartbeat);
          unsubscribe();
        };
      },
      // Called when the client goes away.
      cancel() {
        close();
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  },
};
