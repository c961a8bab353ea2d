/**
 * What the runner measures: every request's latency and outcome, summed up overall and per second
 * of the run (the time series the report draws).
 */

/** The value at quantile `q` (0..1) of an ascending array (nearest rank); 0 when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function latencyOf(values: number[]): Latency {
  const sorted = values.toSorted((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
  };
}

/** One slice of the run: its numbers per second, so slices of any width compare. */
export interface Slice extends Latency {
  /** Seconds since the start of the run, at the slice's start. */
  t: number;
  /** The slice's width in seconds. */
  width: number;
  /** Answers per second. */
  rate: number;
  errorRate: number;
  /** Answers in the slice, per outcome. */
  outcomes: Record<string, number>;
}

export interface Summary extends Latency {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  outcomes: Record<string, number>;
  series: Slice[];
}

/** About this many slices per chart; their width is 1, 2 or 5 times a power of ten ms, >= 100 ms. */
const SLICES = 40;

export function sliceWidthMs(durationMs: number): number {
  const raw = Math.max(100, durationMs / SLICES);
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((w) => w >= raw)!;
}

/**
 * Collects one kind of request (purchases, or reads). An error is an answer that tells nothing
 * about the sale: no answer at all, or a 5xx; its outcome names it (NETWORK_ERROR, HTTP_503).
 * Every answer is kept (when it came, how long it took, what it said): the time series is cut
 * afterwards, in slices that suit the run's length.
 */
export class Recorder {
  private readonly doneAt: number[] = [];
  private readonly latencies: number[] = [];
  private readonly outcomeOf: string[] = [];
  private readonly errorAt: boolean[] = [];
  private readonly outcomes = new Map<string, number>();
  private errors = 0;

  constructor(private readonly startedAt: number) {}

  record(sentAt: number, latencyMs: number, outcome: string, error: boolean): void {
    this.doneAt.push(sentAt + latencyMs - this.startedAt);
    this.latencies.push(latencyMs);
    this.outcomeOf.push(outcome);
    this.errorAt.push(error);
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    if (error) this.errors++;
  }

  get count(): number {
    return this.latencies.length;
  }

  /** The last second's answers and p99, for the progress line. */
  recent(now: number): { requests: number; p99: number } {
    const since = now - this.startedAt - 1000;
    const recent: number[] = [];
    // Answers are recorded about in the order they came: walk back until a second ago.
    for (let i = this.doneAt.length - 1; i >= 0 && this.doneAt[i]! > since; i--) {
      recent.push(this.latencies[i]!);
    }
    return { requests: recent.length, p99: latencyOf(recent).p99 };
  }

  outcomeCounts(): Record<string, number> {
    return Object.fromEntries([...this.outcomes].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Throughput is over the time from the start until the last answer. */
  summary(): Summary {
    const lastMs = this.doneAt.reduce((max, at) => Math.max(max, at), 1);
    const widthMs = sliceWidthMs(lastMs);
    const slices = Array.from({ length: Math.ceil(lastMs / widthMs) }, () => ({
      latencies: [] as number[],
      errors: 0,
      outcomes: {} as Record<string, number>,
    }));
    this.doneAt.forEach((at, i) => {
      const slice = slices[Math.min(slices.length - 1, Math.max(0, Math.floor(at / widthMs)))]!;
      slice.latencies.push(this.latencies[i]!);
      const outcome = this.outcomeOf[i]!;
      slice.outcomes[outcome] = (slice.outcomes[outcome] ?? 0) + 1;
      if (this.errorAt[i]) slice.errors++;
    });
    const width = widthMs / 1000;
    return {
      requests: this.latencies.length,
      errors: this.errors,
      seconds: lastMs / 1000,
      requestsPerSecond: this.latencies.length / (lastMs / 1000),
      outcomes: this.outcomeCounts(),
      ...latencyOf(this.latencies),
      series: slices.map((s, i) => ({
        t: i * width,
        width,
        rate: s.latencies.length / width,
        errorRate: s.errors / width,
        outcomes: s.outcomes,
        ...latencyOf(s.latencies),
      })),
    };
  }
}
