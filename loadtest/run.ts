/**
 * The Deno load runner: drives a server through a scenario, prints what it measured, checks the
 * invariants once the server has settled, and writes a JSON result and an HTML report. Exits 1 on
 * any breach, 2 when it cannot run. See loadtest/README.md.
 *
 *   ADMIN_TOKEN=... deno task load --scenario burst --shoppers 1000 --stock 100 --concurrency 100
 */
import { parseArgs } from "node:util";
import { Admin, judge, missingInApi, readOrders, type SaleStats, settle } from "./invariants.ts";
import { queue } from "./queue.ts";
import { checkout } from "./checkout.ts";
import {
  checkoutChecks,
  type CheckoutSettings,
  checkoutStats,
  readPaymentEvents,
} from "./checkout_figures.ts";
import type { QueueSettings } from "./queue_figures.ts";
import { formatSummary, type RunResult, writeReport } from "./report.ts";
import { Driver } from "./driver.ts";
import { parseStages, type ScenarioOptions, SCENARIOS, type Stage } from "./scenarios.ts";

const USAGE =
  `deno task load [--scenario burst|ramp|soldout|storm|read|queue|checkout] [--url URL] [--sale ID]
  [--shoppers N] [--stock N] [--concurrency N] [--quantity N] [--clicks N] [--stages 5s:200,...]
  [--duration S] [--readers N] [--streams N] [--arrival S] [--prequeue S] [--bots N]
  [--skippers N] [--pow-bits N] [--hold S] [--abandon SHARE] [--cancel SHARE] [--late N]
  [--later N] [--database-url URL] [--out PATH]
ADMIN_TOKEN (environment) is required; DATABASE_URL (or --database-url) adds the PostgreSQL checks.
The checkout scenario signs its payments with PAYMENT_WEBHOOK_SECRET (environment), the server's.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  Deno.exit(2);
}

const { values: flags } = (() => {
  try {
    return parseArgs({
      options: {
        scenario: { type: "string", default: "burst" },
        url: { type: "string", default: "http://127.0.0.1:8000" },
        sale: { type: "string" },
        shoppers: { type: "string", default: "1000" },
        stock: { type: "string", default: "100" },
        concurrency: { type: "string", default: "100" },
        quantity: { type: "string", default: "1" },
        clicks: { type: "string", default: "10" },
        stages: { type: "string", default: "5s:200,20s:200,5s:0" },
        duration: { type: "string", default: "10" },
        readers: { type: "string", default: "20" },
        streams: { type: "string", default: "20" },
        arrival: { type: "string", default: "10" },
        prequeue: { type: "string", default: "3" },
        bots: { type: "string", default: "50" },
        skippers: { type: "string", default: "4" },
        "pow-bits": { type: "string", default: "12" },
        hold: { type: "string", default: "30" },
        abandon: { type: "string", default: "0.3" },
        cancel: { type: "string", default: "0.1" },
        late: { type: "string", default: "5" },
        later: { type: "string", default: "10" },
        "database-url": { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
})();
if (flags.help) {
  console.log(USAGE);
  Deno.exit(0);
}

function count(name: keyof typeof flags, min = 1): number {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}`);
  return n;
}

/** A share of the winners, 0..1. */
function share(name: "abandon" | "cancel"): number {
  const n = Number(flags[name]);
  if (!(n >= 0 && n <= 1)) fail(`--${name} must be a share between 0 and 1`);
  return n;
}

const scenarioName = flags.scenario;
const scenario = { ...SCENARIOS, queue, checkout }[scenarioName];
if (!scenario) fail(`unknown scenario "${scenarioName}"`);
const base = flags.url.replace(/\/+$/, "");
const quantity = count("quantity");
const stock = count("stock", 0);
const prequeue = count("prequeue", 0);
const powBits = count("pow-bits", 0);
if (powBits > 24) fail("--pow-bits must be at most 24 (the waiting room's limit)");
let stages: Stage[];
try {
  stages = parseStages(flags.stages);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const token = Deno.env.get("ADMIN_TOKEN");
if (!token) fail("ADMIN_TOKEN must be set: the runner creates its sale and reads its numbers.");
const databaseUrl = flags["database-url"] ?? Deno.env.get("DATABASE_URL");
const admin = new Admin(base, token);
const checkingOut = scenarioName === "checkout";
let holdSeconds = count("hold", 30);
const secret = Deno.env.get("PAYMENT_WEBHOOK_SECRET") ?? "";
if (checkingOut && !secret) {
  fail("PAYMENT_WEBHOOK_SECRET must be set to the server's: the runner signs its payments.");
}
if (share("abandon") + share("cancel") > 1) fail("--abandon and --cancel add up to more than 1");

// A sale of the run's own, unless told which: then the run adds to what it already sold.
// The queue scenario's sale starts `--prequeue` seconds from now, its line open already; arrivals
// begin now. On a sale of its own (`--sale`), arrivals begin now, whenever it starts.
let saleId: number;
let before: SaleStats;
let startsAt: number;
const begin = Date.now();
try {
  if (flags.sale !== undefined) {
    saleId = count("sale");
    before = await admin.stats(saleId);
    const sale = await admin.request("GET", `/api/sales/${saleId}`) as {
      startTime: string;
      checkout: { holdSeconds: number } | null;
    };
    startsAt = Date.parse(sale.startTime);
    if (checkingOut) {
      if (!sale.checkout) fail(`sale ${saleId} has no checkout: the scenario needs holds`);
      holdSeconds = sale.checkout.holdSeconds;
    }
  } else {
    const queued = scenarioName === "queue";
    startsAt = queued ? begin + prequeue * 1000 : begin - 1000;
    const sale = await admin.request("POST", "/api/admin/sales", {
      name: `load ${scenarioName} ${new Date(begin).toISOString()}`,
      totalStock: stock,
      perUserLimit: quantity,
      startTime: new Date(startsAt).toISOString(),
      endTime: new Date(begin + 3_600_000).toISOString(),
      ...(queued ? { waitingRoom: { powBits, prequeueMinutes: Math.ceil(prequeue / 60) } } : {}),
      ...(checkingOut ? { checkout: { holdSeconds } } : {}),
    }) as { id: number };
    saleId = sale.id;
    before = { total: stock, sold: 0, orders: 0, remaining: stock };
  }
} catch (error) {
  console.error(
    `cannot reach the server at ${base}: ${error instanceof Error ? error.message : error}`,
  );
  Deno.exit(2);
}

const options: ScenarioOptions = {
  shoppers: count("shoppers"),
  concurrency: count("concurrency"),
  clicks: count("clicks"),
  stages,
  duration: count("duration"),
  readers: count("readers", 0),
  streams: count("streams", 0),
  remaining: before.remaining,
};
if (scenarioName === "queue") {
  const settings: QueueSettings = {
    begin,
    startsAt,
    arrival: count("arrival", 0),
    bots: count("bots", 0),
    skippers: count("skippers", 0),
    admin,
  };
  options.queue = settings;
}
if (checkingOut) {
  const settings: CheckoutSettings = {
    holdSeconds,
    abandon: share("abandon"),
    cancel: share("cancel"),
    late: count("late", 0),
    later: count("later"),
    secret,
    admin,
  };
  options.checkout = settings;
}
/** The settings that matter to this scenario, for the summary and the report. */
const shown: Record<string, string | number> = {
  stock: before.total,
  quantity,
  ...(scenarioName === "ramp"
    ? { stages: flags.stages }
    : scenarioName === "queue"
    ? {}
    : { concurrency: options.concurrency }),
  ...(["burst", "read", "storm", "checkout"].includes(scenarioName)
    ? { shoppers: options.shoppers }
    : {}),
  ...(scenarioName === "storm" ? { clicks: options.clicks } : {}),
  ...(scenarioName === "soldout" ? { duration: `${options.duration}s` } : {}),
  ...(scenarioName === "read" ? { readers: options.readers, streams: options.streams } : {}),
  ...(options.queue
    ? {
      shoppers: options.shoppers,
      arrival: `${options.queue.arrival}s`,
      startsAfter: `${((startsAt - begin) / 1000).toFixed(1)}s`,
      bots: options.queue.bots,
      skippers: options.queue.skippers,
      ...(flags.sale === undefined ? { powBits } : {}),
    }
    : {}),
  ...(options.checkout
    ? {
      hold: `${holdSeconds}s`,
      abandon: options.checkout.abandon,
      cancel: options.checkout.cancel,
      late: options.checkout.late,
      later: options.checkout.later,
    }
    : {}),
};

const startedAt = new Date();
const driver = new Driver(base, saleId, quantity, crypto.randomUUID().slice(0, 8));
const clock = performance.now();
const progress = setInterval(() => {
  const now = performance.now();
  const p = driver.purchases.recent(now);
  const r = driver.reads.recent(now);
  console.error(
    `[${
      ((now - clock) / 1000).toFixed(0)
    }s] ${driver.attempts.length} purchases (${p.requests}/s, p99 ${p.p99.toFixed(0)} ms)${
      driver.reads.count ? `, ${driver.reads.count} reads (${r.requests}/s)` : ""
    }  ${JSON.stringify(driver.purchases.outcomeCounts())}`,
  );
}, 1000);
const outcome = await scenario(driver, options);
clearInterval(progress);

console.error("settling, then checking the invariants…");
const after = await settle(admin, saleId);
const rows = databaseUrl ? await readOrders(databaseUrl, saleId) : null;
const checks = [
  ...judge({
    before,
    quantity,
    shoppers: outcome.shoppers ?? driver.shoppers,
    attempts: driver.attempts,
    after,
    rows,
    missingInApi: await missingInApi(base, saleId, driver.attempts),
  }),
  ...outcome.checks,
  ...(outcome.checkout
    ? checkoutChecks(
      outcome.checkout.holds,
      await checkoutStats(admin, saleId),
      rows,
      databaseUrl ? await readPaymentEvents(databaseUrl, saleId) : null,
    )
    : []),
];
const reads = driver.reads.summary();
const result: RunResult = {
  startedAt: startedAt.toISOString(),
  url: base,
  scenario: scenarioName,
  saleId,
  options: shown,
  purchases: driver.purchases.summary(),
  reads: reads.requests > 0 ? reads : null,
  queue: outcome.queue ?? null,
  checkout: outcome.checkout?.report ?? null,
  notes: { distinctShoppers: driver.shoppers, ...outcome.notes },
  checks,
  passed: checks.every((c) => c.ok),
};
console.log(formatSummary(result));
if (!rows) console.log("(PostgreSQL not checked: give --database-url or DATABASE_URL)");

const out = flags.out?.replace(/\.(json|html)$/, "") ??
  new URL(
    `./results/${startedAt.toISOString().replaceAll(":", "-")}-${scenarioName}`,
    import.meta.url,
  ).pathname;
const [json, html] = await writeReport(result, out);
console.log(`result: ${json}\nreport: ${html}`);
Deno.exit(result.passed ? 0 : 1);
