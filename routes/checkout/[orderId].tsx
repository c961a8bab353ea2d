import { z } from "zod";
import { errorPage, notFoundPage, pageHandlers } from "../../components/ErrorPage.tsx";
import { Layout } from "../../components/Layout.tsx";
import HoldCountdown from "../../islands/HoldCountdown.tsx";
import type { Tone } from "../../islands/parts/result.ts";
import type { Order } from "../../lib/domain/order.ts";
import { type Handlers, readForm, type RouteContext } from "../../lib/web/http.ts";
import { testPayment } from "../../lib/web/holds.ts";
import { island } from "../../lib/web/islands.ts";
import { renderPage, seeOther } from "../../lib/web/page.ts";

/**
 * The built-in test checkout (docs/checkout.md#the-test-checkout): it plays the payment provider
 * in development. "Pay (test)" makes the server send a correctly signed `payment.succeeded` to its
 * own webhook handling, so an order is paid without any payment: the page exists only while
 * CHECKOUT_URL names no checkout of the shop's own.
 */

const orderIdParam = z.uuid();
const eventType = z.enum(["payment.succeeded", "payment.failed"]);

/** What the page says after a test payment that did not pay the order. */
interface Said {
  tone: Tone;
  title: string;
  detail: string;
}

/** The order, or the page that answers instead: 404 with a shop checkout, 503 without payments. */
async function load(ctx: RouteContext): Promise<{ order: Order; saleName: string } | Response> {
  if (ctx.state.config.CHECKOUT_URL !== undefined) return await notFoundPage();
  if (!ctx.state.config.PAYMENT_WEBHOOK_SECRET) {
    return await errorPage(
      503,
      "Payments are off",
      "This shop takes no payments: the server has no PAYMENT_WEBHOOK_SECRET configured, so no " +
        "hold can be paid (the payment webhook answers 503 too).",
    );
  }
  const id = orderIdParam.safeParse(ctx.params.orderId);
  const order = id.success ? await ctx.state.holds.order(id.data) : null;
  if (!order) {
    return await errorPage(404, "Order not found", "There is no order with this number.");
  }
  const sale = await ctx.state.catalog.find(order.saleId);
  return { order, saleName: sale?.name ?? `Sale #${order.saleId}` };
}

function page(order: Order, saleName: string, said: Said | null, status = 200) {
  return renderPage(<CheckoutPage order={order} saleName={saleName} said={said} />, {
    title: `Test checkout · ${saleName} · Flashline`,
    stylesheets: ["shop"],
    status,
  });
}

export const handler: Handlers = pageHandlers({
  async GET(ctx) {
    const loaded = await load(ctx);
    if (loaded instanceof Response) return loaded;
    return await page(loaded.order, loaded.saleName, null);
  },
  async POST(ctx) {
    const loaded = await load(ctx);
    if (loaded instanceof Response) return loaded;
    const type = eventType.safeParse((await readForm(ctx)).get("type"));
    if (!type.success) return await page(loaded.order, loaded.saleName, null, 400);
    const { order, saleName } = loaded;
    const answer = await testPayment(
      ctx.state.holds,
      ctx.state.config.PAYMENT_WEBHOOK_SECRET,
      order.id,
      type.data,
    );
    switch (answer.code) {
      case null:
        if (answer.order.status === "paid") {
          // Back to the sale, which shows the shopper's order paid.
          const user = encodeURIComponent(answer.order.userId);
          return seeOther(`/sales/${answer.order.saleId}?user=${user}`);
        }
        return await page(answer.order, saleName, {
          tone: "warning",
          title: "The payment failed (test)",
          detail: "Nothing was paid. The item stays held for you until the time runs out: try " +
            "again before then.",
        });
      case "HOLD_EXPIRED":
        return await page(answer.order, saleName, {
          tone: "danger",
          title: "Your hold ended before the payment arrived",
          detail: "The item went back to the stock, so the shop does not take this payment: it " +
            "would be refunded (the admin console lists it as a late payment).",
        }, 409);
      case "NO_CHECKOUT":
        return await page(answer.order, saleName, {
          tone: "info",
          title: "This order needs no payment",
          detail: "Its sale has no checkout: the order was confirmed when it was bought.",
        }, 409);
      case "ORDER_NOT_FOUND":
        return await errorPage(404, "Order not found", "There is no order with this number.");
    }
  },
});

const STATUS_TEXT: Record<string, string> = {
  held: "Held, waiting for its payment",
  paid: "Paid",
  expired: "Ended unpaid (the hold ran out)",
  cancelled: "Cancelled by the shopper",
  confirmed: "Confirmed (no payment needed)",
};

export default function CheckoutPage(props: { order: Order; saleName: string; said: Said | null }) {
  const { order, said } = props;
  const held = order.status === "held";
  return (
    <Layout section="shop">
      <div class="checkout">
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href={`/sales/${order.saleId}?user=${encodeURIComponent(order.userId)}`}>
            ← Back to the sale
          </a>
        </nav>
        <section class="panel" aria-labelledby="checkout-title" data-testid="checkout">
          <p class="eyebrow">Test checkout</p>
          <h1 id="checkout-title" class="checkout-title">{props.saleName}</h1>
          <p class="notice notice-warning">
            This is the shop's built-in test checkout: it takes no payment. "Pay (test)" tells the
            shop this order was paid, signed as a payment provider signs it. A shop in production
            names its own checkout in <code>CHECKOUT_URL</code>, and this page is then gone.
          </p>
          {said && (
            <div class={`result result-${said.tone}`} role="status" data-testid="checkout-result">
              <strong class="result-title">{said.title}</strong>
              <p>{said.detail}</p>
            </div>
          )}
          <dl class="order checkout-order">
            <dt>Order number</dt>
            <dd>
              <code>{order.id}</code>
            </dd>
            <dt>Shopper</dt>
            <dd class="checkout-shopper">{order.userId}</dd>
            <dt>Quantity</dt>
            <dd>{order.quantity}</dd>
            <dt>Status</dt>
            <dd data-testid="checkout-status">{STATUS_TEXT[order.status] ?? order.status}</dd>
          </dl>
          {held && order.holdExpiresAt && island(HoldCountdown, {
            saleId: order.saleId,
            createdAt: order.createdAt.toISOString(),
            holdExpiresAt: order.holdExpiresAt.toISOString(),
            serverTime: new Date().toISOString(),
          })}
          {held && (
            <form class="checkout-actions" method="post">
              <button
                class="btn btn-buy"
                type="submit"
                name="type"
                value="payment.succeeded"
                data-testid="test-pay"
              >
                Pay (test)
              </button>
              <button
                class="btn btn-quiet"
                type="submit"
                name="type"
                value="payment.failed"
                data-testid="test-fail"
              >
                Fail (test)
              </button>
            </form>
          )}
        </section>
      </div>
    </Layout>
  );
}
