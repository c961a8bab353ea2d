import { assert, assertEquals } from "./assert.ts";
import type { Attempt } from "./client.ts";
import type { Sql } from "../../lib/infra/db.ts";
import { breaches, NO_BREACHES, verdict, waitUntilQuiet } from "./invariants.ts";

/** How many times each fault runs: `FAULT_PROFILE=long` (deno task faults --long) runs each 20×. */
export const LONG = Deno.env.get("FAULT_PROFILE") === "long";
export const ITERATIONS = LONG ? 20 : 1;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with `FAULT_SEED`. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One timed attempt: `ms` is how long the answer took (or until the client gave up). */
export interface TimedAttempt extends Attempt {
  ms: number;
}

/**
 * Every purchase attempt of one fault run, with its seed. Shoppers and pauses are drawn from the
 * seeded PRNG; the seed is printed, and `FAULT_SEED=<n>` replays the same choices.
 */
export class History {
  readonly seed: number;
  readonly random: () => number;
  readonly attempts: TimedAttempt[] = [];

  constructor(readonly name: string) {
    const fixed = Deno.env.get("FAULT_SEED");
    this.seed = fixed ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
    this.random = prng(this.seed);
    console.log(`[${name}] seed ${this.seed} (replay with FAULT_SEED=${this.seed})`);
  }

  /** An integer in [min, max). */
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min));
  }

  /** One attempt, given up after `timeoutMs` (then indeterminate, status 0). */
  async buy(
    base: string,
    saleId: number,
    userId: string,
    timeoutMs = 10_000,
  ): Promise<TimedAttempt> {
    const started = performance.now();
    let a: Attempt;
    try {
      const res = await fetch(`${base}/api/sales/${saleId}/purchase`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId, quantity: 1 }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await res.json().catch(() => null);
      a = {
        userId,
        status: res.status,
        result: body?.result ?? body?.error?.code ?? null,
        orderId: body?.order?.id ?? null,
        pending: body?.order?.status === "pending",
      };
    } catch {
      a = { userId, status: 0, result: null, orderId: null };
    }
    const timed = { ...a, ms: performance.now() - started };
    this.attempts.push(timed);
    return timed;
  }

  /**
   * A shopper's client: retries indeterminate answers and SALE_REBUILDING (a real client's
   * "try again"), up to `tries`, pausing a seeded 10–60 ms in between.
   */
  async buyRetrying(base: string, saleId: number, userId: string, tries = 200) {
    let a = await this.buy(base, saleId, userId);
    for (let i = 1; i < tries && (verdict(a) === "indeterminate" || a.status === 503); i++) {
      await new Promise((r) => setTimeout(r, this.int(10, 60)));
      a = await this.buy(base, saleId, userId);
    }
    return a;
  }

  /**
   * A rush: `concurrency` clients, each buying for seeded shoppers drawn from `shoppers` ids (so
   * some shoppers come twice, some at once), until `done()` says the fault is over.
   */
  async rush(
    base: string,
    saleId: number,
    options: { shoppers: number; concurrency: number; done: () => boolean },
  ): Promise<void> {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (!options.done()) {
          await this.buyRetrying(base, saleId, `${this.name}-${this.int(0, options.shoppers)}`);
        }
      }),
    );
  }

  /**
   * A rush with a fault in the middle: `fault` runs once a seeded 20–50 % of `stock` has sold, and
   * the rush goes on until 1.5 s after it (past the local sold-out hint's life).
   */
  async rushAround(
    base: string,
    saleId: number,
    stock: number,
    fault: () => Promise<void>,
  ): Promise<void> {
    const trigger = this.int(stock * 0.2, stock * 0.5);
    let over = false;
    const faulty = (async () => {
      try {
        while (this.attempts.filter((a) => a.result === "SUCCESS").length < trigger) {
          await new Promise((r) => setTimeout(r, 5));
        }
        await fault();
        await new Promise((r) => setTimeout(r, 1500));
      } finally {
        over = true;
      }
    })();
    await this.rush(base, saleId, { shoppers: stock * 2.5, concurrency: 30, done: () => over });
    await faulty;
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.attempts) {
      const k = `${verdict(a)} ${a.status} ${a.result}`;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }

  /**
   * Waits until the platform is quiet, then checks the history against PostgreSQL and Redis: every
   * breach count must be 0. Returns the quiet state and the breaches, which it also prints.
   */
  async check(
    sql: Sql,
    redisUrl: string,
    prefix: string,
    saleId: number,
    options: { redisLostData?: boolean } = {},
  ) {
    const state = await waitUntilQuiet(sql, redisUrl, prefix, saleId, 30_000);
    const found = await breaches(sql, state, saleId, this.attempts, options);
    console.log(
      `[${this.name}] seed ${this.seed}`,
      JSON.stringify({ outcomes: this.counts(), state, breaches: found }),
    );
    assertEquals(found, NO_BREACHES, `breaches in ${this.name} (seed ${this.seed})`);
    assert(state.outbox === 0, "the outbox drained");
    return { state, breaches: found };
  }
}
