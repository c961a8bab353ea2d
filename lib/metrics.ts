/** Counters and a latency histogram for `GET /metrics` (Prometheus text format) and admin stats. */

const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

export class Histogram {
  readonly counts = new Array<number>(BUCKETS_MS.length).fill(0);
  count = 0;
  sum = 0;

  observe(ms: number): void {
    this.count++;
    this.sum += ms;
    const i = BUCKETS_MS.findIndex((b) => ms <= b);
    if (i >= 0) this.counts[i]!++;
  }

  lines(name: string): string[] {
    let cumulative = 0;
    const out = BUCKETS_MS.map((b, i) => {
      cumulative += this.counts[i]!;
      return `${name}_bucket{le="${b / 1000}"} ${cumulative}`;
    });
    out.push(`${name}_bucket{le="+Inf"} ${this.count}`);
    out.push(`${name}_sum ${this.sum / 1000}`, `${name}_count ${this.count}`);
    return out;
  }
}

export class Metrics {
  /** saleId -> result -> count */
  readonly outcomes = new Map<number, Map<string, number>>();
  readonly purchaseLatency = new Histogram();

  recordPurchase(saleId: number, result: string, ms: number): void {
    let bySale = this.outcomes.get(saleId);
    if (!bySale) {
      bySale = new Map();
      this.outcomes.set(saleId, bySale);
    }
    bySale.set(result, (bySale.get(result) ?? 0) + 1);
    this.purchaseLatency.observe(ms);
  }

  outcomesOf(saleId: number): Record<string, number> {
    return Object.fromEntries(this.outcomes.get(saleId) ?? []);
  }

  /** `values`: further counters (names ending in `_total`) and gauges. */
  render(values: Record<string, number>): string {
    const lines = [
      "# HELP flashsale_purchases_total Purchase attempts by sale and result (this process).",
      "# TYPE flashsale_purchases_total counter",
    ];
    for (const [saleId, bySale] of this.outcomes) {
      for (const [result, n] of bySale) {
        lines.push(`flashsale_purchases_total{sale="${saleId}",result="${result}"} ${n}`);
      }
    }
    lines.push(
      "# HELP flashsale_purchase_duration_seconds Time to answer a purchase.",
      "# TYPE flashsale_purchase_duration_seconds histogram",
      ...this.purchaseLatency.lines("flashsale_purchase_duration_seconds"),
    );
    for (const [name, value] of Object.entries(values)) {
      lines.push(
        `# TYPE ${name} ${name.endsWith("_total") ? "counter" : "gauge"}`,
        `${name} ${value}`,
      );
    }
    return lines.join("\n") + "\n";
  }
}
