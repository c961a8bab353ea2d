/** What the shopper is told after a purchase or an order check: shared by the islands and the
 * no-JavaScript form path, which both start from the JSON API's answer. */

export type Tone = "success" | "info" | "warning" | "danger";

export interface OrderView {
  id: string;
  saleId: number;
  userId: string;
  quantity: number;
  status: string;
  createdAt: string;
  /** A checkout sale's: until when the item is held unpaid. */
  holdExpiresAt?: string;
  paidAt?: string;
}

export interface ResultView {
  tone: Tone;
  title: string;
  detail: string;
  order?: OrderView;
}

/** The JSON body of a purchase or order answer, as far as the form reads it. */
interface AnswerBody {
  result?: string;
  message?: string;
  remainingStock?: number;
  order?: OrderView;
  error?: { code?: string; message?: string; details?: { path?: string; message?: string }[] };
}

function items(n: number): string {
  return n === 1 ? "1 item" : `${n} items`;
}

/**
 * A checkout sale's order (docs/checkout.md), whatever its answer: held until paid, paid, or
 * ended unpaid. Null for an order of a sale without checkout, which its answer words.
 */
export function checkoutResult(order: OrderView, again = false): ResultView | null {
  const what = items(order.quantity);
  switch (order.status) {
    case "held":
      return {
        tone: "success",
        title: again ? "You already have a reservation here" : "Reserved for you",
        detail: `${again ? "One order per shopper: " : ""}${what} ${
          order.quantity === 1 ? "is" : "are"
        } yours until the time runs out. Pay before then; unpaid, ${
          order.quantity === 1 ? "it goes" : "they go"
        } back to the stock for the next shopper.`,
        order,
      };
    case "paid":
      return {
        tone: "success",
        title: "Paid: your order is confirmed",
        detail: `You paid for ${what}. Keep your order number.`,
        order,
      };
    case "expired":
      return {
        tone: "warning",
        title: "Your hold ended",
        detail: `It was not paid in time, so ${
          order.quantity === 1 ? "the item" : "the items"
        } went back to the stock. Try again while stock lasts.`,
        order,
      };
    case "cancelled":
      return {
        tone: "info",
        title: "You cancelled your hold",
        detail: `${what} went back to the stock. You may buy again while stock lasts.`,
        order,
      };
  }
  return null;
}

/** Maps a purchase answer (status and JSON body of POST /api/sales/:id/purchase) to a message. */
export function purchaseResult(status: number, body: AnswerBody): ResultView {
  const order = body.order;
  switch (body.result) {
    case "SUCCESS":
      if (order) {
        return checkoutResult(order) ?? {
          tone: "success",
          title: "Order confirmed",
          detail: `You got ${items(order.quantity)}. Keep your order number.`,
          order,
        };
      }
      break;
    case "PENDING":
      if (order) {
        return {
          tone: "info",
          title: "Reserved: confirming your order",
          detail: `Your ${items(order.quantity)} are held for you while we record the order. ` +
            `Use "Check my order" in a moment.`,
          order,
        };
      }
      break;
    case "ALREADY_PURCHASED":
      if (order) {
        return checkoutResult(order, true) ?? {
          tone: "info",
          title: "You already have an order in this sale",
          detail: `One order per shopper: here is yours (${items(order.quantity)}).`,
          order,
        };
      }
      break;
    case "SOLD_OUT":
      return (body.remainingStock ?? 0) > 0
        ? {
          tone: "warning",
          title: "Not enough left",
          detail: `Only ${body.remainingStock} left: choose a smaller quantity.`,
        }
        : { tone: "danger", title: "Sold out", detail: "Every item of this sale has been sold." };
    case "SALE_NOT_ACTIVE":
      return {
        tone: "warning",
        title: "The sale is not open",
        detail: body.message ?? "The sale is not active.",
      };
    case "SALE_NOT_FOUND":
      return { tone: "danger", title: "No such sale", detail: "This sale does not exist." };
  }
  const error = body.error;
  if (status === 400 && error?.details?.length) {
    const d = error.details[0]!;
    const field = d.path === "userId" ? "User ID" : d.path === "quantity" ? "Quantity" : d.path;
    return { tone: "warning", title: "Please check the form", detail: `${field}: ${d.message}` };
  }
  if (status === 429) {
    return {
      tone: "warning",
      title: "Busy right now",
      detail: "Too many requests. Wait a second and try again.",
    };
  }
  return {
    tone: status >= 500 ? "danger" : "warning",
    title: status >= 500 ? "Something went wrong" : "Please check the form",
    detail: error?.message ?? body.message ?? "Please try again.",
  };
}

/** Maps the answer of GET /api/sales/:id/orders/:userId. */
export function orderResult(status: number, userId: string, body: AnswerBody): ResultView {
  if (status === 200 && body.order) {
    return checkoutResult(body.order) ?? {
      tone: "info",
      title: "Your order",
      detail: `${userId} has ${items(body.order.quantity)} in this sale (${body.order.status}).`,
      order: body.order,
    };
  }
  if (status === 404 && body.error?.code === "ORDER_NOT_FOUND") {
    return {
      tone: "info",
      title: "No order yet",
      detail: `There is no order for “${userId}” in this sale.`,
    };
  }
  return purchaseResult(status, body);
}

/** A purchase that got no answer: trying again is safe, a retry never buys twice. */
export const PURCHASE_UNREACHABLE: ResultView = {
  tone: "danger",
  title: "Could not reach the shop",
  detail: "Check your connection and try again. Buying twice is never possible.",
};

/** Maps the answer of POST /api/sales/:id/orders/:userId/cancel. */
export function cancelResult(status: number, body: AnswerBody): ResultView {
  // 200: cancelled; a 409 names the order as it is (paid, or ended meanwhile).
  const shown = body.order && checkoutResult(body.order);
  if (shown) return shown;
  switch (body.error?.code) {
    case "ORDER_PENDING":
      return {
        tone: "info",
        title: "Your order is being recorded",
        detail: "It can be cancelled in a moment: try again.",
      };
    case "ORDER_NOT_FOUND":
      return {
        tone: "info",
        title: "Nothing to cancel",
        detail: "You have no order in this sale.",
      };
  }
  return purchaseResult(status, body);
}
