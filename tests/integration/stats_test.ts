import { assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { admin, call, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { createTestDatabase, PG_PORT, throughPort } from "../helpers/env.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";

function metric(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

Deno.test("unknown sale ids are counted under one metrics label, however many there are", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    assertEquals((await purchase(app.url, saleId, "known")).result, "SUCCESS");
    // 300 made-up ids, through both purchase paths.
    const answers = await pool(
      300,
      20,
      async (i) =>
        i % 2 === 0
          ? (await purchase(app.url, 1_000_000 + i, `u-${i}`)).status
          : (await call(app.url, "POST", "/purchase", { userId: `u-${i}`, saleId: 2_000_000 + i }))
            .status,
    );
    assertEquals(answers.filter((s) => s === 404).length, 300);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const labels = new Set(
      text.split("\n").filter((l) => l.startsWith("flashsale_purchases_total{"))
        .map((l) => /sale="([^"]*)"/.exec(l)?.[1]),
    );
    assertEquals([...labels].sort(), [String(saleId), "unknown"]);
    assertEquals(
      metric(text, 'flashsale_purchases_total{sale="unknown",result="SALE_NOT_FOUND"}'),
      300,
    );
    assertEquals(metric(text, `flashsale_purchases_total{sale="${saleId}",result="SUCCESS"}`), 1);
  } finally {
    await app.close();
  }
});

Deno.test("GET /sale/stats reads no PostgreSQL: it answers while PostgreSQL does not", async () => {
  const db = await createTestDatabase();
  const proxy = new FaultProxy(PG_PORT);
  const app = await startTestApp({ DATABASE_URL: throughPort(db.url, proxy.port) }, db);
  try {
    const saleId = await createSale(app.url, { totalStock: 3 });
    const bought = await pool(5, 5, (i) => purchase(app.url, saleId, `s-${i}`));
    assertEquals(bought.filter((a) => a.result === "SUCCESS").length, 3);
    proxy.pause(); // every PostgreSQL query from here on hangs
    const deadline = Date.now() + 5_000;
    let last: { successCount: number; failedCount: number; totalCount: number } | undefined;
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${app.url}/sale/stats?saleId=${saleId}`, {
        signal: AbortSignal.timeout(2_000),
      });
      assertEquals(res.status, 200);
      const body = await res.json();
      assertEquals([body.sale.id, body.sale.remainingStock], [saleId, 0]);
      last = body.purchases;
      if (last!.failedCount === 2 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assertEquals(last, { successCount: 3, failedCount: 2, totalCount: 5 });
  } finally {
    proxy.close();
    await app.close();
  }
});

Deno.test("GET /sale/stats counts from the sale's last reset, as the original platform did; /metrics never goes back", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 3 });
    const before = await pool(5, 5, (i) => purchase(app.url, saleId, `before-${i}`));
    assertEquals(countBy(before, (a) => a.result), { SUCCESS: 3, SOLD_OUT: 2 });
    const reset = await call(app.url, "POST", `/sale/reset?saleId=${saleId}`, { stock: 2 }, admin);
    assertEquals(reset.status, 200, JSON.stringify(reset.body));
    const after = await pool(6, 6, (i) => purchase(app.url, saleId, `after-${i}`));
    assertEquals(countBy(after, (a) => a.result), { SUCCESS: 2, SOLD_OUT: 4 });
    // The counts reach the shared totals in Redis with the process's next flush.
    await app.platform.metrics.flush();
    const stats = await call(app.url, "GET", `/sale/stats?saleId=${saleId}`);
    assertEquals(stats.body.purchases, { successCount: 2, failedCount: 4, totalCount: 6 });
    const outcomes = await call(
      app.url,
      "GET",
      `/api/admin/sales/${saleId}/stats`,
      undefined,
      admin,
    );
    assertEquals(outcomes.body.outcomes, { SUCCESS: 2, SOLD_OUT: 4 });
    // Prometheus counters count on across the reset.
    const text = await (await fetch(`${app.url}/metrics`)).text();
    assertEquals(
      ["SUCCESS", "SOLD_OUT"].map((r) =>
        metric(text, `flashsale_purchases_total{sale="${saleId}",result="${r}"}`)
      ),
      [5, 6],
    );
  } finally {
    await app.close();
  }
});
