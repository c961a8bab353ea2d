import { pageHandlers } from "../components/ErrorPage.tsx";
import { Layout } from "../components/Layout.tsx";
import { SaleTile } from "../components/SaleTile.tsx";
import Countdown from "../islands/Countdown.tsx";
import type { SaleData } from "../islands/parts/api.ts";
import { StockBar } from "../islands/parts/StockBar.tsx";
import { type Handlers, parseParams } from "../lib/web/http.ts";
import { island } from "../lib/web/islands.ts";
import { renderPage } from "../lib/web/page.ts";
import { saleJson } from "../lib/domain/sale.ts";
import { cursorParam, encodeCursor } from "../lib/domain/input.ts";
import { z } from "zod";

/** Ended sales shown at a time: the latest, then older ones a page further each. */
const ENDED_PAGE = 10;

/** Other parameters (a campaign's tags) are ignored, as a shop's home page must. */
const query = z.object({ ended: cursorParam.optional() });

export const handler: Handlers = pageHandlers({
  async GET(ctx) {
    const { ended } = parseParams(query, { ended: ctx.url.searchParams.get("ended") ?? undefined });
    const now = Date.now();
    const [held, past] = await Promise.all([
      ctx.state.catalog.list(),
      ctx.state.catalog.page(ended ?? null, "ENDED", now, ENDED_PAGE),
    ]);
    // Open and coming sales are all held in memory; the ended ones come a page at a time.
    const open = held.map((v) => saleJson(v.sale, v.remainingStock, now))
      .filter((s) => s.status !== "ENDED");
    const sales = [...open, ...past.views.map((v) => saleJson(v.sale, v.remainingStock, now))];
    const more = past.next === null ? null : `/?ended=${encodeCursor(past.next)}#h-ENDED`;
    return renderPage(<SalesPage sales={sales} moreEnded={more} />, {
      title: "Flash sales · Flashline",
      stylesheets: ["shop"],
    });
  },
});

const SECTIONS = [
  ["ACTIVE", "Live now", "Buy while stock lasts."],
  ["UPCOMING", "Coming up", "Opening soon: the page counts down to the start."],
  ["ENDED", "Ended", "These sales are over."],
] as const;

export default function SalesPage(props: { sales: SaleData[]; moreEnded: string | null }) {
  return (
    <Layout section="shop">
      <section class="hero">
        <p class="eyebrow">Limited stock · Fair for everyone</p>
        <h1>Flash sales</h1>
        <p class="lede">
          Each sale opens at a set time with a fixed stock. One order per shopper, first come first
          served, confirmed on the spot.
        </p>
      </section>
      {props.sales.length === 0 && (
        <section class="empty">
          <h2>No sales right now</h2>
          <p>Check back soon.</p>
        </section>
      )}
      {SECTIONS.map(([status, title, note]) => {
        const sales = props.sales.filter((s) => s.status === status);
        if (sales.length === 0) return null;
        return (
          <section class="sales-section" key={status} aria-labelledby={`h-${status}`}>
            <div class="section-head">
              <h2 id={`h-${status}`}>{title}</h2>
              <p>{note}</p>
            </div>
            <ul class="cards">
              {sales.map((s) => (
                <li key={s.id} class={`card card-${status.toLowerCase()}`}>
                  <a class="card-link" href={`/sales/${s.id}`} data-testid={`sale-${s.id}`}>
                    <SaleTile id={s.id} name={s.name} />
                    <div class="card-body">
                      {island(Countdown, {
                        saleId: s.id,
                        startTime: s.startTime,
                        endTime: s.endTime,
                        serverTime: s.serverTime,
                      })}
                      <h3 class="card-title">{s.name}</h3>
                      {s.description && <p class="card-text">{s.description}</p>}
                      <StockBar remaining={s.remainingStock} total={s.totalStock} compact />
                    </div>
                  </a>
                </li>
              ))}
            </ul>
            {status === "ENDED" && props.moreEnded && (
              <p class="more">
                <a class="btn btn-quiet" href={props.moreEnded} data-testid="more-ended">
                  Older ended sales
                </a>
              </p>
            )}
          </section>
        );
      })}
    </Layout>
  );
}
