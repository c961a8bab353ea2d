import type { Handlers } from "../lib/http.ts";

/** The whole deployment's numbers, whichever process answers (lib/metrics.ts). */
export const handler: Handlers = {
  async GET(ctx) {
    const { metrics, cache, gate } = ctx.state;
    // This process's own counts go in first, so a single process answers its latest.
    await metrics.flush();
    // The outbox backlog is Redis's (shared by every process): one XLEN per sale, at scrape time.
    const backlog: Record<string, number> = {};
    const [totals] = await Promise.all([
      metrics.totals(),
      ...cache.ids().map(async (id) => {
        backlog[`flashsale_outbox_backlog{sale="${id}"}`] = await gate.outboxLength(id);
      }),
    ]);
    return new Response(metrics.render(totals, backlog), {
      headers: { "content-type": "text/plain; version=0.0.4" },
    });
  },
};
