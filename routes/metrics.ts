import type { Handlers } from "../lib/web/http.ts";

/** The whole deployment's numbers, whichever process answers (lib/infra/metrics.ts). */
export const handler: Handlers = {
  async GET(ctx) {
    const { metrics, catalog } = ctx.state;
    // This process's own counts go in first, so a single process answers its latest.
    await metrics.flush();
    // The outbox backlog is Redis's (shared by every process): one XLEN per sale, at scrape time.
    const backlog: Record<string, number> = {};
    const [totals, lengths] = await Promise.all([metrics.totals(), catalog.outboxLengths()]);
    for (const [id, length] of lengths) backlog[`flashsale_outbox_backlog{sale="${id}"}`] = length;
    return new Response(metrics.render(totals, backlog), {
      headers: { "content-type": "text/plain; version=0.0.4" },
    });
  },
};
