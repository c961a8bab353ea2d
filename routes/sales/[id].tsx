import { z } from "zod";
import { errorPage, pageHandlers } from "../../components/ErrorPage.tsx";
import { Layout } from "../../components/Layout.tsx";
import { SaleTile } from "../../components/SaleTile.tsx";
import type { SaleData } from "../../islands/parts/api.ts";
import { formatTime, holdTime, numberFormat } from "../../islands/parts/format.ts";
import {
  cancelResult,
  orderResult,
  purchaseResult,
  type ResultView,
} from "../../islands/parts/result.ts";
import { TEST_CHECKOUT_URL } from "../../islands/parts/hold.ts";
import SalePanel from "../../islands/SalePanel.tsx";
import LinePanel from "../../islands/LinePanel.tsx";
import { AppError } from "../../lib/domain/errors.ts";
import { type Handlers, idParam, readForm, type RouteContext } from "../../lib/web/http.ts";
import { userIdSchema } from "../../lib/domain/input.ts";
import type { Shopper } from "../../lib/identity/identity.ts";
import { assets, island } from "../../lib/web/islands.ts";
import { orderJson } from "../../lib/domain/order.ts";
import { renderPage, seeOther } from "../../lib/web/page.ts";
import { purchaseAnswer } from "../../lib/domain/outcome.ts";
import { saleJson } from "../../lib/domain/sale.ts";

const quantitySchema = z.coerce.number().int().min(1).max(1000);

async function loadSale(ctx: RouteContext): Promise<SaleData | null> {
  const id = idParam.safeParse(ctx.params.id);
  if (!id.success) return null;
  const view = await ctx.state.catalog.get(id.data);
  return view ? saleJson(view.sale, view.remainingStock, Date.now()) : null;
}

function notFound(): Promise<Response> {
  return errorPage(404, "Sale not found", "This sale does not exist, or it has been removed.");
}

/** What the form says when the identity module refuses the shopper (signed-in shops only). */
function refusal(error: AppError): ResultView {
  return error.code === "FORBIDDEN_SHOPPER"
    ? {
      tone: "warning",
      title: "Not your User ID",
      detail: "The User ID must be the one you signed in as: reload the page to fill it in.",
    }
    : {
      tone: "warning",
      title: "Please sign in",
      detail: "This shop knows shoppers by their sign-in: sign in with the shop's identity " +
        "provider to buy or check an order. A typed User ID is not enough.",
    };
}

/** Behind the shop's sign-in proxy, the User ID field starts as the signed-in shopper's. */
async function signedInId(ctx: RouteContext): Promise<string> {
  if (!ctx.state.identity.verified || !ctx.req.headers.has("authorization")) return "";
  try {
    return (await ctx.state.identity.shopperOf(ctx, undefined)).id;
  } catch (error) {
    if (error instanceof AppError) return "";
    throw error;
  }
}

/**
 * The form post of a browser without JavaScript: the same purchase (or order check) as the API,
 * through the same identity check, so a signed-in shop never trusts the typed User ID.
 */
async function answerForm(ctx: RouteContext, sale: SaleData, form: URLSearchParams) {
  const typed = (form.get("userId") ?? "").trim();
  const quantity = quantitySchema.safeParse(form.get("quantity") ?? "1");
  const verified = ctx.state.identity.verified;
  const valid = userIdSchema.safeParse(typed);
  if (!verified && !valid.success) {
    return {
      userId: typed,
      result: {
        tone: "warning",
        title: "Please check the form",
        detail: `User ID: ${valid.error.issues[0]?.message ?? "is not valid"}`,
      } satisfies ResultView,
    };
  }
  let shopper: Shopper;
  try {
    // Signed in, an empty field means "me"; anything typed may only repeat the token's shopper.
    shopper = await ctx.state.identity.shopperOf(ctx, verified && typed === "" ? undefined : typed);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { userId: typed, status: error.status, result: refusal(error) };
  }
  const userId = shopper.id;
  if (form.get("intent") === "cancel") {
    const answer = await ctx.state.holds.cancel(sale.id, shopper);
    const body = "order" in answer
      ? { order: orderJson(answer.order) }
      : { error: { code: answer.code } };
    return { userId, result: cancelResult(answer.code === null ? 200 : 409, body) };
  }
  if (form.get("intent") === "check") {
    const order = await ctx.state.catalog.order(sale.id, shopper);
    const body = order ? { order: orderJson(order) } : { error: { code: "ORDER_NOT_FOUND" } };
    return { userId, result: orderResult(order ? 200 : 404, userId, body) };
  }
  if (!quantity.success) {
    return {
      userId,
      result: {
        tone: "warning",
        title: "Please check the form",
        detail: "Quantity: choose a whole number from 1.",
      } satisfies ResultView,
    };
  }
  const outcome = await ctx.state.purchases.purchase(sale.id, shopper, quantity.data);
  const answer = purchaseAnswer(outcome, "api");
  return { userId, quantity: quantity.data, result: purchaseResult(answer.status, answer.body) };
}

/** Where a checkout sale's Pay goes: the shop's checkout, or the built-in test checkout. */
function checkoutUrlOf(ctx: RouteContext): string {
  return ctx.state.config.CHECKOUT_URL ?? TEST_CHECKOUT_URL;
}

/**
 * A checkout sale's page opened for a shopper (`?user=`, where the test checkout sends them back
 * after paying): their order as it is now, so the page shows it without JavaScript too.
 */
async function returningShopper(ctx: RouteContext, sale: SaleData) {
  const user = ctx.url.searchParams.get("user");
  if (!sale.checkout || user === null) return null;
  const answered = await answerForm(
    ctx,
    sale,
    new URLSearchParams({ userId: user, intent: "check" }),
  );
  return answered.status === undefined && answered.result.order ? answered : null;
}

export const handler: Handlers = pageHandlers({
  async GET(ctx) {
    const sale = await loadSale(ctx);
    if (!sale) return notFound();
    const returning = await returningShopper(ctx, sale);
    const page = (
      <SalePage
        sale={sale}
        userId={returning?.userId ?? await signedInId(ctx)}
        quantity={1}
        result={returning?.result ?? null}
        signedIn={ctx.state.identity.verified}
        powWorker={(await assets()).workers.pow}
        checkoutUrl={checkoutUrlOf(ctx)}
      />
    );
    return renderPage(page, {
      title: `${sale.name} · Flashline`,
      stylesheets: ["shop"],
      ...(sale.description ? { description: sale.description } : {}),
    });
  },
  async POST(ctx) {
    const before = await loadSale(ctx);
    if (!before) return notFound();
    // A sale with a waiting room offers no form to post: its page says it needs JavaScript.
    if (before.waitingRoom) return seeOther(`/sales/${before.id}`);
    const answered = await answerForm(ctx, before, await readForm(ctx));
    const sale = await loadSale(ctx) ?? before;
    return renderPage(
      <SalePage
        sale={sale}
        userId={answered.userId}
        quantity={answered.quantity ?? 1}
        result={answered.result}
        signedIn={ctx.state.identity.verified}
        powWorker={(await assets()).workers.pow}
        checkoutUrl={checkoutUrlOf(ctx)}
      />,
      {
        title: `${answered.result.title} · ${sale.name} · Flashline`,
        stylesheets: ["shop"],
        ...(answered.status ? { status: answered.status } : {}),
      },
    );
  },
});

export default function SalePage(
  props: {
    sale: SaleData;
    userId: string;
    quantity: number;
    result: ResultView | null;
    signedIn: boolean;
    powWorker: string;
    checkoutUrl: string;
  },
) {
  const { sale } = props;
  const { waitingRoom } = sale;
  return (
    <Layout section="shop">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/">← All sales</a>
      </nav>
      <div class="sale">
        <div class="sale-media">
          <SaleTile id={sale.id} name={sale.name} large />
        </div>
        <header class="sale-head">
          <h1 class="sale-title">{sale.name}</h1>
          {sale.description && <p class="sale-desc">{sale.description}</p>}
        </header>
        <section class="sale-more" aria-label="About this sale">
          <dl class="facts">
            <div>
              <dt>Opens</dt>
              <dd>{formatTime(sale.startTime, "UTC")}</dd>
            </div>
            <div>
              <dt>Closes</dt>
              <dd>{formatTime(sale.endTime, "UTC")}</dd>
            </div>
            <div>
              <dt>Stock</dt>
              <dd>
                {numberFormat.format(sale.totalStock)} {sale.totalStock === 1 ? "item" : "items"}
              </dd>
            </div>
            <div>
              <dt>Per shopper</dt>
              <dd>up to {sale.perUserLimit}</dd>
            </div>
            {waitingRoom && (
              <div class="facts-wide">
                <dt>Waiting room</dt>
                <dd>
                  Its line opens {formatTime(
                    new Date(
                      Date.parse(sale.startTime) - waitingRoom.prequeueMinutes * 60_000,
                    ).toISOString(),
                    "UTC",
                  )}, {waitingRoom.prequeueMinutes} min before the start
                </dd>
              </div>
            )}
          </dl>
          <ul class="assurances">
            {sale.checkout
              ? (
                <li>
                  What you buy is held for you for{" "}
                  {holdTime(sale.checkout.holdSeconds)}: pay within that time, or it goes back to
                  the stock for the next shopper.
                </li>
              )
              : <li>Your order is confirmed the moment you buy.</li>}
            <li>Nobody can buy more than their share: one order per shopper.</li>
            <li>No overselling: stock is checked before every order is accepted.</li>
          </ul>
        </section>
        <aside class="sale-buy" aria-label="Buy">
          {props.signedIn && (
            <p class="notice notice-warning">
              Shoppers sign in with this shop's identity provider: Buy and "Check my order" act only
              for the signed-in shopper, whose User ID is filled in. Another User ID is refused.
            </p>
          )}
          {waitingRoom
            ? island(LinePanel, {
              sale: { ...sale, waitingRoom },
              userId: props.userId,
              powWorker: props.powWorker,
              checkoutUrl: props.checkoutUrl,
            })
            : island(SalePanel, {
              sale,
              userId: props.userId,
              quantity: props.quantity,
              result: props.result,
              checkoutUrl: props.checkoutUrl,
            })}
        </aside>
      </div>
    </Layout>
  );
}
