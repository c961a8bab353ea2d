import type { Handlers } from "../lib/http.ts";

export const handler: Handlers = {
  GET(ctx) {
    const { writer, sweeper, metrics, live } = ctx.state;
    const memory = Deno.memoryUsage();
    const text = metrics.render({
      // Prometheus' standard process gauge names, so the usual dashboards (and the soak) read them.
      process_resident_memory_bytes: memory.rss,
      nodejs_heap_size_used_bytes: memory.heapUsed,
      nodejs_heap_size_total_bytes: memory.heapTotal,
      flashsale_commit_batches_total: writer.stats.batches,
      flashsale_commit_rows_total: writer.stats.rows,
      flashsale_commit_failures_total: writer.stats.failures,
      flashsale_commit_last_batch_seconds: writer.stats.lastBatchMs / 1000,
      flashsale_outbox_swept_total: sweeper.stats.swept,
      flashsale_outbox_sweep_failures_total: sweeper.stats.failures,
      flashsale_sse_clients: live.clients,
    });
    return new Response(text, { headers: { "content-type": "text/plain; version=0.0.4" } });
  },
};
