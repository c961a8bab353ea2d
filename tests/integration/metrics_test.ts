import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { call, createSale, pool, purchase } from "../helpers/client.ts";

function metric(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

Deno.test("GET /metrics counts outcomes, commit batches, the outbox backlog and reconciles", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 3 });
    await pool(5, 5, (i) => purchase(app.url, saleId, `m-${i}`));
    const before = await (await fetch(`${app.url}/metrics`)).text();
    await call(app.url, "POST", `/api/admin/sales/${saleId}/reconcile`, undefined, {
      authorization: "Bearer test-admin-token-0123456789",
    });
    const res = await fetch(`${app.url}/metrics`);
    assertMatch(res.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await res.text();

    assertEquals(metric(text, `flashsale_purchases_total{sale="${saleId}",result="SUCCESS"}`), 3);
    assertEquals(metric(text, `flashsale_purchases_total{sale="${saleId}",result="SOLD_OUT"}`), 2);
    assertEquals(metric(text, "flashsale_commit_rows_total"), 3);
    assertEquals(
      metric(text, "flashsale_commit_batch_rows_count"),
      metric(text, "flashsale_commit_batches_total"),
    );
    assertEquals(metric(text, "flashsale_commit_batch_rows_sum"), 3);
    assertEquals(metric(text, `flashsale_outbox_backlog{sale="${saleId}"}`), 0);
    // The reconcile on demand ran and found nothing to repair.
    const runs = (t: string) => metric(t, "flashsale_reconciles_total");
    const repairs = (t: string) => metric(t, "flashsale_reconcile_repairs_total");
    assertEquals([runs(text) - runs(before), repairs(text) - repairs(before)], [1, 0]);
    assert(runs(before) >= 1, "creating the sale built its keys");
    assert(text.includes("# TYPE flashsale_commit_batch_duration_seconds histogram"));
    assertEquals(
      text.split("\n").filter((l) => l === "# TYPE flashsale_outbox_backlog gauge").length,
      1,
    );
  } finally {
    await app.close();
  }
});
