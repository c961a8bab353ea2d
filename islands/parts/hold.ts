/// <reference lib="dom" />
import { useEffect } from "preact/hooks";
import { requestJson } from "./api.ts";
import { cancelResult, orderResult, type ResultView } from "./result.ts";

/** The built-in test checkout's page, what Pay opens when the shop names no checkout of its own. */
export const TEST_CHECKOUT_URL = "/checkout/{orderId}";

/**
 * The checkout's address for one order: the template with `{orderId}` filled in, and `{saleId}`
 * and `{userId}` where it names them (a shop's checkout reads the order's deadline with them).
 */
export function checkoutUrl(
  template: string,
  order: { id: string; saleId: number; userId: string },
): string {
  return template.replaceAll("{orderId}", encodeURIComponent(order.id))
    .replaceAll("{saleId}", String(order.saleId))
    .replaceAll("{userId}", encodeURIComponent(order.userId));
}

type Answer = Parameters<typeof orderResult>[2];

function orderPath(saleId: number, userId: string): string {
  return `/api/sales/${saleId}/orders/${encodeURIComponent(userId)}`;
}

/** The shopper's order in the sale as the page shows it, or null when they have none. */
export async function readOrder(saleId: number, userId: string): Promise<ResultView | null> {
  const r = await requestJson<Answer>(orderPath(saleId, userId));
  return r.status === 200 ? orderResult(r.status, userId, r.body) : null;
}

/** Cancels the shopper's hold; the answer as the page shows it. */
export async function cancelHold(saleId: number, userId: string): Promise<ResultView> {
  const r = await requestJson<Answer>(`${orderPath(saleId, userId)}/cancel`, { method: "POST" });
  return cancelResult(r.status, r.body);
}

/**
 * A hold whose time is up on the server's clock is read again every second until the server has
 * ended it (its expiry worker does within about a second; a payment that came just in time wins),
 * and the page then shows how it ended.
 */
export function useHoldEnd(
  saleId: number,
  result: ResultView | null,
  nowMs: number,
  show: (result: ResultView) => void,
): void {
  const order = result?.order;
  const due = order?.status === "held" && order.holdExpiresAt !== undefined &&
    nowMs >= Date.parse(order.holdExpiresAt);
  useEffect(() => {
    if (!due || !order) return;
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const read = await readOrder(saleId, order.userId);
        const now = read?.order;
        if (!stopped && now && (now.status !== "held" || now.id !== order.id)) show(read);
      } catch {
        // Offline for a moment: the next read tries again.
      }
    }, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [due, order?.id]);
}
