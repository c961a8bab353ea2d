/** Counters and a latency histogram for `GET /metrics` (Prometheus text format) and admin stats. */

export const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];
export const BUCKETS_ROWS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];

/** A Prometheus histogram; `unit` divides observations for display (1000: ms shown as seconds). */
export class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;

  constructor(private readonly buckets: number[] = BUCKETS_MS, private readonly unit = 1000) {
    this.counts = new Array<number>(buckets.length).fill(0);
  }

  observe(value: number): void {
    this.count++;
    this.sum += value;
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) this.counts[i]!++;
  }

  lines(name: string): string[] {
    let cumulative = 0;
    const out = [`# TYPE ${name} histogram`];
    this.buckets.forEach((b, i) => {
      cumulative += this.counts[i]!;
      out.push(`${name}_bucket{le="${b / this.unit}"} ${cumulative}`);
    });
    out.push(`${name}_bucket{le="+Inf"} ${this.count}`);
    out.push(`${name}_sum ${this.sum / this.unit}`, `${name}_count ${this.count}`);
    return out;
  }
}

export class Metrics {
  /** saleId -> result -> count */
  readonly outcomes = new Map<number, Map<string, number>>();
  readonly purchaseLatency = new Histogram();
  /** Times accepting a connection failed (out of file descriptors): the server listened again. */
  acceptErrors = 0;

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

  /**
   * `values`: further counters (names ending in `_total`) and gauges, a name may carry labels
   * (`name{sale="1"}`); `histograms`: further histograms by name.
   */
  render(values: Record<string, number>, histograms: Record<string, Histogram> = {}): string {
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
      ...this.purchaseLatency.lines("flashsale_purchase_duration_seconds"),
    );
    lines.push(
      "# HELP flashsale_accept_errors_total Connections not accepted (out of file descriptors).",
      "# TYPE flashsale_accept_errors_total counter",
      `flashsale_accept_errors_total ${this.acceptErrors}`,
    );
    for (const [name, histogram] of Object.entries(histograms)) {
      lines.push(...histogram.lines(name));
    }
    const typed = new Set<string>();
    for (const [name, value] of Object.entries(values)) {
      const base = name.split("{")[0]!;
      if (!typed.has(base)) {
        typed.add(base);
        lines.push(`# TYPE ${base} ${base.endsWith("_total") ? "counter" : "gauge"}`);
      }
      lines.push(`${name} ${value}`);
    }
    return lines.join("\n") + "\n";
  }
}
