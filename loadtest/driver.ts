/**
 * How the load runner talks to the server: one purchase attempt and one answer as the client sees
 * them, the Driver that sends and records them, an event-stream listener, and small helpers.
 *
 * Deno's fetch keeps connections alive and pools them per host, as long as each body is read to
 * its end, so a scenario with C requests in flight holds about C connections, not one per request.
 */
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
  /** A checkout sale's hold: until when (epoch ms, the server's clock) the order is held unpaid. */
  holdExpiresAt?: number;
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
    const order = answer.body?.order as { id?: unknown; holdExpiresAt?: unknown } | undefined;
    const attempt: Attempt = {
      userId,
      status: answer.status,
      result,
      orderId: typeof order?.id === "string" ? order.id : null,
      ...(typeof order?.holdExpiresAt === "string"
        ? { holdExpiresAt: Date.parse(order.holdExpiresAt) }
        : {}),
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
