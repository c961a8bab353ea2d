import type { Handlers } from "../lib/http.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const { writer, sweeper, reconciler, metrics, live, cache, gate } = ctx.state;
    const memory = Deno.memoryUsage();
    // The outbox backlog is Redis's (shared by every process): one XLEN per sale, at scrape time.
    const backlog: Record<string, number> = {};
    await Promise.all(
      cache.ids().map(async (id) => {
        backlog[`flashsale_outbox_backlog{sale="${id}"}`] = await gate.outboxLength(id);
      }),
    );
    const text = metrics.render({
      // Prometheus' standard process gauge names, so the usual dashboards (and the soak) read them.
      process_resident_memory_bytes: memory.rss,
      nodejs_heap_size_used_bytes: memory.heapUsed,
      nodejs_heap_size_total_bytes: memory.heapTotal,
      flashsale_commit_batches_total: writer.stats.batches,
      flashsale_commit_rows_total: writer.stats.rows,
      flashsale_commit_failures_total: writer.stats.failures,
      flashsale_outbox_swept_total: sweeper.stats.swept,
      flashsale_outbox_sweep_failures_total: sweeper.stats.failures,
      ...backlog,
      flashsale_reconciles_total: reconciler.stats.runs,
      flashsale_reconcile_repairs_total: reconciler.stats.repaired,
      flashsale_reconcile_stock_drift_total: reconciler.stats.stockDrift,
      flashsale_sse_clients: live.clients,
    }, {
      flashsale_commit_batch_rows: writer.batchRows,
      flashsale_commit_batch_duration_seconds: writer.batchLatency,
    });
    return new Response(text, { headers: { "content-type": "text/plain; version=0.0.4" } });
  },
};
