/**
 * The runner's scenarios: who sends what, how many at a time, for how long. Each drives the server
 * over HTTP through a Driver, which records every answer; the invariant check comes afterwards.
 */
import { type Check, type Driver, pool, sleep, StreamReader } from "./driver.ts";
import type { QueueReport, QueueSettings } from "./queue_figures.ts";
import type { CheckoutReport, CheckoutSettings, Hold } from "./checkout_figures.ts";

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
  /** checkout: its settings (only for that scenario). */
  checkout?: CheckoutSettings;
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
  /** The checkout scenario's figures, and its holds for the checks made once settled. */
  checkout?: { report: CheckoutReport; holds: Hold[] };
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
