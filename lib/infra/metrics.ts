import { loadScript, type RedisClient, type Script } from "./redis/client.ts";

/**
 * Counters and histograms for `GET /metrics` and the stats routes, counted for the whole
 * deployment: each process adds what it counted since its last flush to totals in Redis about once
 * a second (`metrics_flush.lua`), and every scrape reads those totals. Whichever process a scrape
 * lands on, it sees the same numbers, and they never go back (a worker's restart resets nothing).
 * The stats routes count a sale's outcomes from its last reset instead: the totals minus a
 * baseline the reset records (`metrics_baseline.lua`), so the Prometheus counters never go back.
 */

export const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];
export const BUCKETS_ROWS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];

/** How often a process adds its counts to the shared totals. */
const FLUSH_MS = 1000;
/** A process silent this long (killed) no longer counts in the summed gauges. */
const GONE_MS = 10_000;

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

  /** Its series under `name`, in exposition order: cumulative buckets, then sum and count. */
  series(name: string): [string, number][] {
    let cumulative = 0;
    const out: [string, number][] = this.buckets.map((b, i) => {
      cumulative += this.counts[i]!;
      return [`${name}_bucket{le="${b / this.unit}"}`, cumulative];
    });
    out.push(
      [`${name}_bucket{le="+Inf"}`, this.count],
      [`${name}_sum`, this.sum / this.unit],
      [`${name}_count`, this.count],
    );
    return out;
  }
}

/** What else in the process is counted, besides purchases (the writer, sweeper, reconciler…). */
export interface MetricSources {
  /** Counters, cumulative since the process started, by series name (ending in `_total`). */
  counters(): Record<string, number>;
  histograms: Record<string, Histogram>;
  /** This process's gauges now; the deployment's are their sums over its live processes. */
  gauges(): Record<string, number>;
  /**
   * Whether a sale is past (ended before the window of sales kept in memory). A shop keeps its
   * sales for good: a past sale gets no series of its own, so the scrape and the totals in Redis
   * grow with the sales being sold, not with history.
   */
  isPast(saleId: number): boolean;
}

/** The deployment's numbers as Redis holds them. */
export interface Totals {
  /** Counter and histogram series -> total of every process. */
  counters: Map<string, number>;
  /** A sale's purchase series -> its total at the sale's last reset. */
  baselines: Map<string, number>;
  /** Gauge -> sum over the processes that reported in the last GONE_MS. */
  gauges: Map<string, number>;
  processes: number;
}

/**
 * The deployment's metrics, shared by its processes: counter totals (series -> value), each
 * process's gauges (process -> JSON), when each process last reported (process -> Redis ms), and
 * the totals of each sale's purchase series at its last reset (series -> value). One hash tag, so
 * the scripts touch one Redis Cluster slot.
 */
export function metricsKeys(
  prefix: string,
): { counters: string; gauges: string; seen: string; baselines: string } {
  const base = `${prefix}:{metrics}`;
  return {
    counters: `${base}:counters`,
    gauges: `${base}:gauges`,
    seen: `${base}:seen`,
    baselines: `${base}:baselines`,
  };
}

const PURCHASES = "flashsale_purchases_total";
const SALE_LABEL = `${PURCHASES}{sale="`;

/** The sale id a per-sale series names, or null (not per sale, or `unknown` / `past`). */
function saleOfSeries(series: string): number | null {
  if (!series.startsWith(SALE_LABEL)) return null;
  const id = Number(series.slice(SALE_LABEL.length, series.indexOf('"', SALE_LABEL.length)));
  return Number.isInteger(id) ? id : null;
}

export class Metrics {
  /** This process's counter series since it started. */
  private readonly counted = new Map<string, number>();
  readonly purchaseLatency = new Histogram();
  /** Times accepting a connection failed (out of file descriptors): the server listened again. */
  acceptErrors = 0;
  private sources: MetricSources = {
    counters: () => ({}),
    histograms: {},
    gauges: () => ({}),
    isPast: () => false,
  };
  /** Series of past sales seen in the totals: the next flush deletes them from Redis. */
  private readonly dropping = new Set<string>();
  /** What the last successful flush had added: the next one sends only what came since. */
  private flushed = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();
  private waiting: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** pid plus a random part: unique across hosts and pid reuse. */
  private readonly process = `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;

  private constructor(
    private readonly redis: RedisClient,
    private readonly keys: ReturnType<typeof metricsKeys>,
    private readonly script: Script,
    private readonly baselineScript: Script,
  ) {}

  static async load(redis: RedisClient, prefix: string): Promise<Metrics> {
    const [script, baseline] = await Promise.all([
      loadScript(new URL("./metrics_flush.lua", import.meta.url)),
      loadScript(new URL("./metrics_baseline.lua", import.meta.url)),
    ]);
    return new Metrics(redis, metricsKeys(prefix), script, baseline);
  }

  recordPurchase(saleId: number, result: string, ms: number): void {
    // An id that names no sale is the caller's to choose: all of them share one label, so made-up
    // ids grow neither this map nor the scrape. Past sales share one label too (MetricSources).
    const sale = result === "SALE_NOT_FOUND"
      ? "unknown"
      : this.sources.isPast(saleId)
      ? "past"
      : String(saleId);
    const series = `${PURCHASES}{sale="${sale}",result="${result}"}`;
    this.counted.set(series, (this.counted.get(series) ?? 0) + 1);
    this.purchaseLatency.observe(ms);
  }

  /** Starts adding this process's counts to the shared totals every FLUSH_MS. */
  start(sources: MetricSources): void {
    this.sources = sources;
    this.timer ??= setInterval(() => void this.flush(), FLUSH_MS);
  }

  /**
   * Adds what this process counted since its last flush to the totals, one flush at a time. A
   * flush that fails is retried with the next one (its counts are still unsent), so a Redis outage
   * loses nothing; one whose reply alone was lost may count that second twice.
   */
  flush(leaving = false): Promise<void> {
    // Callers that come while a flush waits share it (it sends all counted until it starts): with
    // Redis slow or away, flushes never pile up behind one another.
    if (this.waiting && !leaving) return this.waiting;
    const next: Promise<void> = this.flushing.then(() => {
      if (this.waiting === next) this.waiting = undefined;
      return this.send(leaving);
    }).catch(() => {});
    this.waiting = next;
    this.flushing = next;
    return next;
  }

  /** Sends the last counts and takes this process's gauges out of the sums. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush(true);
  }

  /**
   * Starts the sale's outcomes, as the stats routes count them, again from now: called once a reset
   * of the sale has committed. This process sends its counts first, so its answers from before the
   * reset stay out; another process's, counted in the second before and not yet sent, come in.
   */
  async restartOutcomes(saleId: number): Promise<void> {
    await this.flush();
    await this.redis.evalScript(
      this.baselineScript,
      [this.keys.counters, this.keys.baselines],
      [`${PURCHASES}{sale="${saleId}",result="`],
    );
  }

  /**
   * The deployment's totals: one read of each hash, so two scrapes never disagree backwards.
   * Series of past sales are left out, and the next flush deletes them from the hash.
   */
  async totals(): Promise<Totals> {
    const [counters, gauges, baselines] = await Promise.all([
      this.redis.hgetall(this.keys.counters),
      this.redis.hgetall(this.keys.gauges),
      this.redis.hgetall(this.keys.baselines),
    ]);
    const summed = new Map<string, number>();
    let processes = 0;
    for (const json of Object.values(gauges)) {
      processes++;
      for (const [name, n] of Object.entries(JSON.parse(json) as Record<string, number>)) {
        summed.set(name, (summed.get(name) ?? 0) + n);
      }
    }
    const kept = new Map<string, number>();
    for (const [series, n] of Object.entries(counters)) {
      if (this.isPastSeries(series)) this.dropping.add(series);
      else kept.set(series, Number(n));
    }
    return {
      counters: kept,
      baselines: new Map(Object.entries(baselines).map(([series, n]) => [series, Number(n)])),
      gauges: summed,
      processes,
    };
  }

  /** A sale's purchase outcomes (result -> count) in the totals, since the sale's last reset. */
  static outcomesOf(totals: Totals, saleId: number): Record<string, number> {
    const head = `${PURCHASES}{sale="${saleId}",result="`;
    const out: Record<string, number> = {};
    for (const [series, n] of totals.counters) {
      if (!series.startsWith(head)) continue;
      // Read alongside the counters, a baseline may be a reset newer than them: nothing since.
      const since = n - (totals.baselines.get(series) ?? 0);
      if (since > 0) out[series.slice(head.length, -2)] = since;
    }
    return out;
  }

  /**
   * The Prometheus text of the totals. Gauges are summed over the processes (open streams and
   * memory of the whole server, one series each, as a dashboard of one process reads them);
   * `extra` adds gauges read at scrape time.
   */
  render(totals: Totals, extra: Record<string, number> = {}): string {
    const local = this.snapshot();
    const value = (series: string) => totals.counters.get(series) ?? 0;
    const lines = [
      "# HELP flashsale_purchases_total Purchase attempts by sale and result (all processes).",
      `# TYPE ${PURCHASES} counter`,
    ];
    // Series some process counted, and those this one knows of (shown as 0 before any count).
    const all = [...new Set([...totals.counters.keys(), ...local.keys()])].sort();
    for (const series of all.filter((s) => s.startsWith(`${PURCHASES}{`))) {
      if (this.isPastSeries(series)) continue;
      lines.push(`${series} ${value(series)}`);
    }
    const histograms = this.histograms();
    const inHistogram = new Set<string>();
    for (const [name, histogram] of Object.entries(histograms)) {
      if (name === "flashsale_purchase_duration_seconds") {
        lines.push("# HELP flashsale_purchase_duration_seconds Time to answer a purchase.");
      }
      lines.push(`# TYPE ${name} histogram`);
      for (const [series] of histogram.series(name)) {
        inHistogram.add(series);
        lines.push(`${series} ${value(series)}`);
      }
    }
    const others = all.filter((s) => !s.startsWith(`${PURCHASES}{`) && !inHistogram.has(s));
    lines.push(...typed(others.map((s) => [s, value(s)]), "counter"));
    const gauges: [string, number][] = [
      ["flashsale_processes", totals.processes],
      ...[...totals.gauges].sort(([a], [b]) => a.localeCompare(b)),
      ...Object.entries(extra),
    ];
    lines.push(...typed(gauges, "gauge"));
    return lines.join("\n") + "\n";
  }

  private isPastSeries(series: string): boolean {
    const id = saleOfSeries(series);
    return id !== null && this.sources.isPast(id);
  }

  private histograms(): Record<string, Histogram> {
    return {
      flashsale_purchase_duration_seconds: this.purchaseLatency,
      ...this.sources.histograms,
    };
  }

  /** Every counter and histogram series of this process, cumulative. */
  private snapshot(): Map<string, number> {
    const out = new Map(this.counted);
    for (const [series, n] of Object.entries(this.sources.counters())) out.set(series, n);
    for (const [name, histogram] of Object.entries(this.histograms())) {
      for (const [series, n] of histogram.series(name)) out.set(series, n);
    }
    return out;
  }

  private async send(leaving: boolean): Promise<void> {
    const now = this.snapshot();
    const args: (string | number)[] = [
      this.process,
      leaving ? "" : JSON.stringify(this.sources.gauges()),
      GONE_MS,
    ];
    for (const [series, n] of now) {
      const delta = n - (this.flushed.get(series) ?? 0);
      if (delta !== 0) args.push(series, delta);
    }
    // After the increments, so a past sale's last counts cannot bring its series back.
    const dropped = [...this.dropping];
    for (const series of dropped) args.push(series, "drop");
    await this.redis.evalScript(
      this.script,
      [this.keys.counters, this.keys.gauges, this.keys.seen, this.keys.baselines],
      args,
    );
    for (const series of dropped) this.dropping.delete(series);
    // A sale gone past keeps no series in this process either, once its counts are sent.
    for (const series of now.keys()) {
      if (!this.isPastSeries(series)) continue;
      now.delete(series);
      this.counted.delete(series);
    }
    this.flushed = now;
  }
}

/** Lines of one type, a `# TYPE` line before each family (names may carry labels). */
function typed(series: [string, number][], type: "counter" | "gauge"): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const [name, n] of series) {
    const base = name.split("{")[0]!;
    if (!seen.has(base)) {
      seen.add(base);
      lines.push(`# TYPE ${base} ${type}`);
    }
    lines.push(`${name} ${n}`);
  }
  return lines;
}
