/**
 * The runner's scenarios: who sends what, how many at a time, for how long. Each drives the server
 * over HTTP through a Driver, which records every answer; the invariant check comes afterwards.
 *
 * Deno's fetch keeps connections alive and pools them per host, as long as each body is read to
 * its end, so a scenario with C requests in flight holds about C connections, not one per request.
 */
import type { QueueReport, QueueSettings } from "./queue.ts";
import { Recorder } from "./stats.ts";

/**
 * One purchase attempt as the client saw it (the load runner's and the tests'); `status` 0 means
 * no answer at all.
 */
export interface Attempt {
  userId: string;
  status: number;
  /** The API's result or error code; null when the answer named none. */
  result: string | null;
  orderId: string | null;
  /** The order named is pending (202, or ALREADY_PURCHASED naming an order not yet confirmed). */
  pending?: boolean;
}

export interface Check {
  name: string;
  ok: boolean;
}

export interface Answer {
  status: number;
  body: Record<string, unknown> | null;
  /** Seconds, from a 429's Retry-After; null without one. */
  retryAfter: number | null;
}

/** What the runner names an answer: the API's result or error code, else the HTTP status. */
export function outcomeOf(answer: Answer): string {
  const body = answer.body;
  if (answer.status === 0) return "NETWORK_ERROR";
  if (typeof body?.result === "string") return body.result;
  const error = body?.error as { code?: unknown } | undefined;
  if (typeof error?.code === "string") return error.code;
  return `HTTP_${answer.status}`;
}

export async function send(url: string, init: RequestInit): Promise<Answer> {
  try {
    const res = await fetch(url, init);
    // Read to the end, even when not needed: only then does the connection go back to the pool.
    const text = await res.text();
    let body: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === "object") body = parsed as Record<string, unknown>;
    } catch { /* not JSON: the status names the outcome */ }
    const retryAfter = Number(res.headers.get("retry-after") ?? NaN);
    return {
      status: res.status,
      body,
      retryAfter: Number.isFinite(retryAfter) ? retryAfter : null,
    };
  } catch {
    return { status: 0, body: null, retryAfter: null };
  }
}

/** Sends requests to one sale and records them: purchases and reads apart. */
export class Driver {
  readonly attempts: Attempt[] = [];
  purchases: Recorder;
  reads: Recorder;
  /** Before `measure()`, requests count for the invariants but not for the numbers. */
  private measuring = false;
  private shopperCount = 0;

  constructor(
    readonly base: string,
    readonly saleId: number,
    readonly quantity: number,
    /** Tells this run's shoppers apart from any other run's. */
    private readonly runId: string,
  ) {
    this.purchases = new Recorder(performance.now());
    this.reads = new Recorder(performance.now());
  }

  /** Starts the clock of the numbers the report shows. */
  measure(): void {
    this.purchases = new Recorder(performance.now());
    this.reads = new Recorder(performance.now());
    this.measuring = true;
  }

  /** A shopper nobody has used yet. */
  newShopper(): string {
    return `load-${this.runId}-${this.shopperCount++}`;
  }

  get shoppers(): number {
    return this.shopperCount;
  }

  /**
   * A purchase; `admission` for a sale with a waiting room, `address` the client address to
   * claim in X-Forwarded-For (it counts when the server trusts the runner as its proxy).
   */
  async purchase(
    userId: string,
    via: { admission?: string; address?: string } = {},
  ): Promise<Attempt> {
    const sentAt = performance.now();
    const answer = await send(`${this.base}/api/sales/${this.saleId}/purchase`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(via.address ? { "x-forwarded-for": via.address } : {}),
      },
      body: JSON.stringify({ userId, quantity: this.quantity, admission: via.admission }),
    });
    const result = outcomeOf(answer);
    const order = answer.body?.order as { id?: unknown } | undefined;
    const attempt: Attempt = {
      userId,
      status: answer.status,
      result,
      orderId: typeof order?.id === "string" ? order.id : null,
    };
    this.attempts.push(attempt);
    if (this.measuring) {
      this.purchases.record(sentAt, performance.now() - sentAt, result, isError(answer.status));
    }
    return attempt;
  }

  async read(path: string): Promise<Answer> {
    const sentAt = performance.now();
    const answer = await send(this.base + path, {});
    if (this.measuring) {
      const outcome = answer.status === 0 ? "NETWORK_ERROR" : `HTTP_${answer.status}`;
      this.reads.record(sentAt, performance.now() - sentAt, outcome, isError(answer.status));
    }
    return answer;
  }
}

export function isError(status: number): boolean {
  return status === 0 || status >= 500;
}

/** Runs `count` tasks, `concurrency` at a time. */
export async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Waits `ms` (at once for a time already past). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A k6-style stage: move linearly to `target` virtual shoppers over `seconds`. */
export interface Stage {
  seconds: number;
  target: number;
}

/** Parses "5s:200,20s:200,5s:0" (k6's `stages` as text). */
export function parseStages(text: string): Stage[] {
  const stages = text.split(",").map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)s\s*:\s*(\d+)\s*$/.exec(part);
    if (!match) throw new Error(`a stage is "<seconds>s:<shoppers>", not "${part}"`);
    return { seconds: Number(match[1]), target: Number(match[2]) };
  });
  if (stages.every((s) => s.seconds === 0)) throw new Error("the stages last no time");
  return stages;
}

/** How many virtual shoppers the stages ask for `elapsed` seconds in (k6 starts from 0). */
export function targetAt(stages: readonly Stage[], elapsed: number): number {
  let from = 0;
  let start = 0;
  for (const stage of stages) {
    if (elapsed < start + stage.seconds) {
      return Math.round(from + (stage.target - from) * (elapsed - start) / stage.seconds);
    }
    from = stage.target;
    start += stage.seconds;
  }
  return from;
}

export interface ScenarioOptions {
  shoppers: number;
  concurrency: number;
  /** storm: how many times each shopper clicks at once. */
  clicks: number;
  /** ramp. */
  stages: Stage[];
  /** soldout: seconds of steady traffic after the stock is gone. */
  duration: number;
  /** read: pollers of the status endpoints, and event-stream listeners. */
  readers: number;
  streams: number;
  /** Items left when the run starts: soldout sells them first. */
  remaining: number;
  /** queue: its settings (only for that scenario). */
  queue?: QueueSettings;
}

export interface ScenarioResult {
  /** Checks the scenario itself can make (the read scenario's streams). */
  checks: Check[];
  notes: Record<string, number>;
  /**
   * Distinct shoppers who could buy, when not all the driver made could (the queue's clients
   * skipping the line, and those refused a ticket); else the driver's count.
   */
  shoppers?: number;
  /** The queue scenario's figures. */
  queue?: QueueReport;
}

export type Scenario = (driver: Driver, options: ScenarioOptions) => Promise<ScenarioResult>;

const none: ScenarioResult = { checks: [], notes: {} };

/** N distinct shoppers, each once, C at a time: the seed's "1000 users, 100 items". */
export const burst: Scenario = async (driver, o) => {
  driver.measure();
  await pool(o.shoppers, o.concurrency, () => driver.purchase(driver.newShopper()));
  return none;
};

/**
 * Virtual shoppers ramping up and down like k6's stages: each loops, buying as a new shopper every
 * time (a crowd that keeps arriving), and leaves when the target drops below its number.
 */
export const ramp: Scenario = async (driver, o) => {
  driver.measure();
  const total = o.stages.reduce((sum, s) => sum + s.seconds, 0);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const running = new Map<number, Promise<void>>();
  let peak = 0;
  const shopper = async (index: number) => {
    while (elapsed() < total && index < targetAt(o.stages, elapsed())) {
      await driver.purchase(driver.newShopper());
    }
    running.delete(index);
  };
  while (elapsed() < total) {
    const target = targetAt(o.stages, elapsed());
    peak = Math.max(peak, target);
    for (let i = 0; i < target; i++) {
      if (!running.has(i)) running.set(i, shopper(i));
    }
    await sleep(50);
  }
  await Promise.all(running.values());
  return { checks: [], notes: { peakShoppers: peak } };
};

/** Sells what is left, then measures steady traffic of new shoppers against the sold-out sale. */
export const soldout: Scenario = async (driver, o) => {
  const toSellOut = Math.ceil(o.remaining / driver.quantity);
  await pool(toSellOut, o.concurrency, () => driver.purchase(driver.newShopper()));
  driver.measure();
  const until = performance.now() + o.duration * 1000;
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (performance.now() < until) await driver.purchase(driver.newShopper());
  }));
  return { checks: [], notes: { sellOutShoppers: toSellOut } };
};

/**
 * S shoppers, each clicking K times at once: a shopper's clicks are next to each other in the
 * queue, so (with C >= K) they are in flight together and race one another in the server.
 */
export const storm: Scenario = async (driver, o) => {
  const shoppers = Array.from({ length: o.shoppers }, () => driver.newShopper());
  driver.measure();
  await pool(
    o.shoppers * o.clicks,
    o.concurrency,
    (i) => driver.purchase(shoppers[Math.floor(i / o.clicks)]!),
  );
  return none;
};

/**
 * One event-stream listener: counts events, keeps the last remaining stock it was told, and hands
 * each update to `onUpdate`.
 */
export class StreamReader {
  events = 0;
  lastRemaining: number | null = null;
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(
    url: string,
    private readonly onUpdate: (update: Record<string, unknown>) => void = () => {},
  ) {
    this.done = this.listen(url).catch(() => {});
  }

  private async listen(url: string): Promise<void> {
    const res = await fetch(url, { signal: this.abort.signal });
    if (!res.body) return;
    let buffer = "";
    for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split("\n").find((line) => line.startsWith("data: "));
        if (!data) continue;
        this.events++;
        const parsed = JSON.parse(data.slice(6)) as Record<string, unknown>;
        if (typeof parsed.remainingStock === "number") this.lastRemaining = parsed.remainingStock;
        this.onUpdate(parsed);
      }
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

/**
 * A burst, while pollers read the sale (GET /api/sales/:id and the seed's GET /sale/status) and
 * listeners follow its event stream; afterwards every listener must have been told the final stock.
 */
export const read: Scenario = async (driver, o) => {
  const streams = Array.from(
    { length: o.streams },
    () => new StreamReader(`${driver.base}/api/sales/${driver.saleId}/events`),
  );
  driver.measure();
  let rushing = true;
  const paths = [`/api/sales/${driver.saleId}`, `/sale/status?saleId=${driver.saleId}`];
  const pollers = Array.from({ length: o.readers }, async (_, i) => {
    for (let n = i; rushing; n++) await driver.read(paths[n % paths.length]!);
  });
  await pool(o.shoppers, o.concurrency, () => driver.purchase(driver.newShopper()));
  rushing = false;
  await Promise.all(pollers);

  // The stream is throttled (a few events a second): give it time to tell the last change.
  const final = await driver.read(`/api/sales/${driver.saleId}`);
  const remaining = final.body?.remainingStock;
  const deadline = performance.now() + 5000;
  while (
    performance.now() < deadline && streams.some((s) => s.lastRemaining !== remaining)
  ) await sleep(100);
  await Promise.all(streams.map((s) => s.close()));
  const told = streams.filter((s) => s.lastRemaining === remaining).length;
  return {
    checks: [{
      name: `every event stream told the final stock ${remaining} (${told}/${streams.length})`,
      ok: told === streams.length,
    }],
    notes: { streamEvents: streams.reduce((sum, s) => sum + s.events, 0) },
  };
};

export const SCENARIOS: Record<string, Scenario> = { burst, ramp, soldout, storm, read };
