import { z } from "zod";
import { errorPage, pageHandlers } from "../../components/ErrorPage.tsx";
import { Layout } from "../../components/Layout.tsx";
import { SaleTile } from "../../components/SaleTile.tsx";
import type { SaleData } from "../../islands/parts/api.ts";
import { formatTime, numberFormat } from "../../islands/parts/format.ts";
import { orderResult, purchaseResult, type ResultView } from "../../islands/parts/result.ts";
import SalePanel from "../../islands/SalePanel.tsx";
import { AppError } from "../../lib/errors.ts";
import {
  type Handlers,
  idParam,
  readForm,
  type RouteContext,
  userIdSchema,
} from "../../lib/http.ts";
import { island } from "../../lib/islands.ts";
import { orderJson } from "../../lib/orders/order.ts";
import { renderPage } from "../../lib/page.ts";
import { API_STATUS, purchaseAnswer } from "../../lib/sales/outcome.ts";
import { saleJson } from "../../lib/sales/sale.ts";

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

/** The form post of a browser without JavaScript: the same purchase (or order check) as the API. */
async function answerForm(ctx: RouteContext, sale: SaleData, form: URLSearchParams) {
  const userId = (form.get("userId") ?? "").trim();
  const quantity = quantitySchema.safeParse(form.get("quantity") ?? "1");
  const shopper = userIdSchema.safeParse(userId);
  if (!shopper.success) {
    return {
      userId,
      result: {
        tone: "warning",
        title: "Please check the form",
        detail: `User ID: ${shopper.error.issues[0]?.message ?? "is not valid"}`,
      } satisfies ResultView,
    };
  }
  if (form.get("intent") === "check") {
    const order = await ctx.state.orders.byShopper(sale.id, userId);
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
  const outcome = await ctx.state.purchases.purchase(sale.id, userId, quantity.data);
  let answer: { status: number; body: Parameters<typeof purchaseResult>[1] };
  try {
    answer = purchaseAnswer(outcome, API_STATUS);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    answer = {
      status: error.status,
      body: { error: { code: error.code, message: error.message } },
    };
  }
  return { userId, quantity: quantity.data, result: purchaseResult(answer.status, answer.body) };
}

export const handler: Handlers = pageHandlers({
  async GET(ctx) {
    const sale = await loadSale(ctx);
    if (!sale) return notFound();
    return renderPage(<SalePage sale={sale} userId="" quantity={1} result={null} />, {
      title: `${sale.name} · Flashline`,
      ...(sale.description ? { description: sale.description } : {}),
    });
  },
  async POST(ctx) {
    const before = await loadSale(ctx);
    if (!before) return notFound();
    const answered = await answerForm(ctx, before, await readForm(ctx));
    const sale = await loadSale(ctx) ?? before;
    return renderPage(
      <SalePage
        sale={sale}
        userId={answered.userId}
        quantity={answered.quantity ?? 1}
        result={answered.result}
      />,
      { title: `${answered.result.title} · ${sale.name} · Flashline` },
    );
  },
});

export default function SalePage(
  props: { sale: SaleData; userId: string; quantity: number; result: ResultView | null },
) {
  const { sale } = props;
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
          </dl>
          <ul class="assurances">
            <li>Your order is confirmed the moment you buy.</li>
            <li>Nobody can buy more than their share: one order per shopper.</li>
            <li>No overselling: stock is checked before every order is accepted.</li>
          </ul>
        </section>
        <aside class="sale-buy" aria-label="Buy">
          {island(SalePanel, {
            sale,
            userId: props.userId,
            quantity: props.quantity,
            result: props.result,
          })}
        </aside>
      </div>
    </Layout>
  );
}
