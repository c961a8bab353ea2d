import { AppError } from "../../../../lib/errors.ts";
import { type Handlers, idParam, parseParams } from "../../../../lib/http.ts";
import type { LiveUpdate } from "../../../../lib/sales/live.ts";

const HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

/**
 * The feed hands the same update object to every stream of a sale: its frame is serialised once,
 * not once per stream (5,000 streams would otherwise JSON-encode the same update 5,000 times).
 */
const frames = new WeakMap<LiveUpdate, Uint8Array>();
function frameOf(u: LiveUpdate): Uint8Array {
  let frame = frames.get(u);
  if (!frame) {
    frame = encoder.encode(`event: sale\ndata: ${JSON.stringify(u)}\n\n`);
    frames.set(u, frame);
  }
  return frame;
}

/** Server-Sent Events: the sale's stock and status when they change, and a heartbeat. */
export const handler: Handlers = {
  async GET(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    const live = ctx.state.live;
    const first = await live.current(saleId);
    if (!first) throw new AppError("SALE_NOT_FOUND");
    let close = () => {};
    let lastSent = `${first.remainingStock}/${first.status}`;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (data: string | Uint8Array) => {
          try {
            controller.enqueue(typeof data === "string" ? encoder.encode(data) : data);
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
            send(frameOf(u));
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
