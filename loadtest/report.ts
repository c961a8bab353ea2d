/**
 * The run's result: the summary printed to stdout, the JSON file, and a self-contained HTML page
 * (inline SVG, no script, no external asset) that a person can open from disk or attach anywhere.
 * The page lays out the figures; loadtest/charts.ts draws its charts.
 */
import type { Check } from "./driver.ts";
import type { GroupFigures, Party, QueueReport, Waits } from "./queue_figures.ts";
import type { CheckoutReport } from "./checkout_figures.ts";
import { escape, lineChart, outcomeCharts, PALETTE, sliceChart } from "./charts.ts";
import type { Summary } from "./stats.ts";

export interface RunResult {
  startedAt: string;
  url: string;
  scenario: string;
  saleId: number;
  options: Record<string, string | number>;
  purchases: Summary;
  /** Only when the scenario reads (status polls). */
  reads: Summary | null;
  /** Only in the queue scenario. */
  queue: QueueReport | null;
  /** Only in the checkout scenario. */
  checkout: CheckoutReport | null;
  notes: Record<string, number>;
  checks: Check[];
  passed: boolean;
}

const ms = (v: number) => v.toFixed(1);

function summaryLines(label: string, s: Summary): string[] {
  return [
    `${label}: ${s.requests} requests in ${s.seconds.toFixed(2)} s = ${
      s.requestsPerSecond.toFixed(0)
    } requests/s`,
    `  latency ms: p50 ${ms(s.p50)}  p90 ${ms(s.p90)}  p99 ${ms(s.p99)}  max ${ms(s.max)}`,
    `  outcomes: ${
      Object.entries(s.outcomes).map(([k, v]) => `${k} ${v}`).join(", ") || "none"
    }  errors: ${s.errors}`,
  ];
}

const tau = (t: number | null) => t === null ? "n/a" : t.toFixed(3);
const s2 = (msValue: number) => (msValue / 1000).toFixed(2);
const share = (part: number, whole: number) =>
  whole === 0 ? "n/a" : `${(100 * part / whole).toFixed(1)}%`;

/** The waiting room's figures, one row per group of arrivals. */
const GROUPS = [["pre-queue", "prequeue"], ["after start", "afterStart"], ["all", "all"]] as const;

const waitCell = (w: Waits) => w.count === 0 ? "n/a" : `${s2(w.p50)} / ${s2(w.p99)}`;

function groupCells(g: GroupFigures): string[] {
  return [
    String(g.tickets),
    tau(g.tau),
    `${g.concordant}/${g.discordant}/${g.tied}`,
    waitCell(g.admitted),
    waitCell(g.answered),
  ];
}
const GROUP_HEADS = [
  "tickets",
  "tau",
  "pairs +/−/tied",
  "join→admitted p50/p99 s",
  "join→answer p50/p99 s",
];

function partyLine(name: string, p: Party, q: QueueReport): string {
  const everyone = q.honest.identities + q.bots.identities;
  const tickets = q.honest.tickets + q.bots.tickets;
  const items = q.honest.items + q.bots.items;
  return `  ${name}: ${p.identities} (${
    share(p.identities, everyone)
  } of arrivals), ${p.tickets} tickets (${share(p.tickets, tickets)}), ${p.items} items (${
    share(p.items, items)
  } of the stock sold), rate-limited ${p.rateLimited} times`;
}

const proofLine = (q: QueueReport) =>
  `  proofs: ${q.proofs.solved} solved in ${
    (q.proofs.ms / 1000).toFixed(1)
  } s of the runner's time (${(q.proofs.ms / Math.max(1, q.proofs.solved)).toFixed(1)} ms each)`;

function queueLines(q: QueueReport): string[] {
  const width = Math.max(...GROUP_HEADS.map((h) => h.length)) + 2;
  const pad = (cells: string[]) => cells.map((c) => c.padStart(width)).join("");
  return [
    `line: sale starts ${q.startsAfter.toFixed(1)} s after arrivals begin; draw ${
      q.seed === null ? "not seen" : `seed ${q.seed} at ${q.drawnAt}`
    }`,
    `  ${"".padEnd(12)}${pad(GROUP_HEADS)}`,
    ...GROUPS.map(([label, key]) => `  ${label.padEnd(12)}${pad(groupCells(q[key]))}`),
    `  tau: arrival order vs the line's order (ticket numbers), tied pairs left out`,
    `  line order vs admission order (admittedSeq): tau ${
      tau(q.lineOrder.tau)
    } (${q.lineOrder.discordant} reversed of ${q.lineOrder.concordant + q.lineOrder.discordant})`,
    partyLine("honest shoppers", q.honest, q),
    partyLine("bots (one address)", q.bots, q),
    `  skipping the line: ${q.skippers.clients} clients, ${q.skippers.purchases} purchases, ${q.skippers.wins} won (${
      Object.entries(q.skippers.outcomes).map(([k, v]) => `${k} ${v}`).join(", ") || "none"
    })`,
    `  ended: ${Object.entries(q.ended).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    proofLine(q),
    ...summaryLines("line requests", q.requests),
  ];
}

/** What became of the holds, and how soon returned stock sold again. */
function checkoutFacts(c: CheckoutReport): string[] {
  const r = c.resale;
  return [
    `holds of ${c.holdSeconds} s: ${c.won} won in the rush, ${c.wonLater} by later shoppers; ${c.paid} paid, ${c.expired} expired, ${c.cancelled} cancelled`,
    `late payments: ${c.late} sent after the hold ended, ${c.lateRefused} told 409 HOLD_EXPIRED; ${c.redelivered} payment events sent twice`,
    `returned stock: ${r.returned} holds ended unpaid, ${r.soldAgain} sold again, from the hold's end to the next SUCCESS p50 ${
      r.p50.toFixed(2)
    } s, p99 ${r.p99.toFixed(2)} s, max ${r.max.toFixed(2)} s`,
  ];
}

/** The text summary the runner prints. */
export function formatSummary(r: RunResult): string {
  const lines = [
    `${r.scenario} on sale ${r.saleId} at ${r.url} (${
      Object.entries(r.options).map(([k, v]) => `${k} ${v}`).join(", ")
    })`,
    ...summaryLines("purchases", r.purchases),
    ...(r.reads ? summaryLines("reads", r.reads) : []),
    ...(r.queue ? queueLines(r.queue) : []),
    ...(r.checkout
      ? [
        ...checkoutFacts(r.checkout).map((line) => `  ${line}`),
        ...summaryLines("payments and cancels", r.checkout.requests),
      ]
      : []),
    ...Object.entries(r.notes).map(([k, v]) => `  ${k}: ${v}`),
    ...r.checks.map((c) => `${c.ok ? "PASS" : "FAIL"}  ${c.name}`),
    r.passed ? "all checks passed" : "INVARIANT BREACH: see the FAIL lines above",
  ];
  return lines.join("\n");
}

function summaryTable(s: Summary): string {
  const cells = [
    ["requests", String(s.requests)],
    ["requests/s", s.requestsPerSecond.toFixed(0)],
    ["p50 ms", ms(s.p50)],
    ["p90 ms", ms(s.p90)],
    ["p99 ms", ms(s.p99)],
    ["max ms", ms(s.max)],
    ["errors", String(s.errors)],
  ];
  return `<table><tr>${cells.map(([k]) => `<th>${k}</th>`).join("")}</tr><tr>${
    cells.map(([, v]) => `<td>${v}</td>`).join("")
  }</tr></table>`;
}

function charts(label: string, s: Summary): string {
  return [
    `<section><h1>${escape(label)}</h1>`,
    summaryTable(s),
    sliceChart("Throughput", "answers/s", s.series, [
      { name: "answers/s", colour: PALETTE[0]!, values: s.series.map((b) => b.rate) },
      { name: "errors/s", colour: PALETTE[1]!, values: s.series.map((b) => b.errorRate) },
    ]),
    sliceChart("Latency percentiles", "ms", s.series, [
      { name: "p50", colour: PALETTE[2]!, values: s.series.map((b) => b.p50) },
      { name: "p90", colour: PALETTE[3]!, values: s.series.map((b) => b.p90) },
      { name: "p99", colour: PALETTE[1]!, values: s.series.map((b) => b.p99) },
    ]),
    outcomeCharts(s),
    "</section>",
  ].join("");
}

function table(heads: string[], rows: string[][]): string {
  return `<table><tr>${heads.map((h) => `<th>${escape(h)}</th>`).join("")}</tr>${
    rows.map((row) => `<tr>${row.map((c) => `<td>${escape(c)}</td>`).join("")}</tr>`).join("")
  }</table>`;
}

/** The waiting room: fairness by group, who won what, the line over time, its requests. */
function queueSection(q: QueueReport): string {
  const partyRow = (name: string, p: Party) => [
    name,
    String(p.identities),
    String(p.tickets),
    String(p.buyers),
    String(p.items),
    String(p.rateLimited),
  ];
  const samples = q.samples;
  const seconds = Math.max(1, samples.at(-1)?.t ?? 1);
  const series = (name: string, colour: string, pick: (s: (typeof samples)[number]) => number) => ({
    name,
    colour,
    values: samples.map(pick),
  });
  return [
    `<section><h1>Waiting room</h1>`,
    `<p>The sale started ${q.startsAfter.toFixed(1)} s after arrivals began; draw ${
      escape(q.seed === null ? "not seen" : `seed ${q.seed} at ${q.drawnAt}`)
    }. Tau compares the arrival order (two joins in flight together are tied) with the line's ` +
    `order (ticket numbers, which admissions follow), tied pairs left out: about 0 expected for ` +
    `the pre-queue (shuffled at the start), 1 after the start. Line order against the order ` +
    `the server admitted tickets in (admittedSeq): tau ${tau(q.lineOrder.tau)}, ` +
    `${q.lineOrder.discordant} pairs reversed.</p>`,
    table(
      ["arrivals", ...GROUP_HEADS],
      GROUPS.map(([label, key]) => [label, ...groupCells(q[key])]),
    ),
    table(
      ["", "identities", "tickets", "buyers", "items", "rate-limited"],
      [partyRow("honest shoppers", q.honest), partyRow("bots (one address)", q.bots)],
    ),
    `<p>Skipping the line: ${q.skippers.clients} clients, ${q.skippers.purchases} purchases, ` +
    `${q.skippers.wins} won (${
      escape(Object.entries(q.skippers.outcomes).map(([k, v]) => `${k} ${v}`).join(", "))
    }).</p><p>${escape(proofLine(q).trim())}.</p>`,
    lineChart(
      "The line over time",
      "tickets",
      seconds,
      samples.map((s) => s.t),
      [
        series("waiting", PALETTE[0]!, (s) => s.waiting),
        series("admitted (outstanding)", PALETTE[4]!, (s) => s.admitted),
        series("served", PALETTE[2]!, (s) => s.served),
        series("used", PALETTE[3]!, (s) => s.used),
        series("remaining stock", "#94a3b8", (s) => s.remaining),
      ],
      q.startsAfter <= seconds ? [{ t: q.startsAfter, label: "start" }] : [],
    ),
    "</section>",
    charts("Line requests", q.requests),
  ].join("");
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px auto;max-width:760px;color:#111}
h1{font-size:20px;margin:24px 0 8px}h2{font-size:15px;margin:18px 0 4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d1d5db;padding:4px 8px;text-align:right}
svg{width:100%;height:auto;font-size:11px;fill:#374151}
.legend span{margin-right:14px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.pass{color:#15803d}.fail{color:#b91c1c;font-weight:600}ul{padding-left:18px}`;

/** The report page: the run's settings, the checks, then charts per kind of request. */
export function renderHtml(r: RunResult): string {
  const options = Object.entries(r.options).map(([k, v]) => `${escape(k)} ${escape(String(v))}`)
    .join(", ");
  const checks = r.checks.map((c) =>
    `<li class="${c.ok ? "pass" : "fail"}">${c.ok ? "PASS" : "FAIL"} ${escape(c.name)}</li>`
  ).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Load test: ${escape(r.scenario)} ${escape(r.startedAt)}</title><style>${STYLE}</style></head>
<body><h1>Load test: ${escape(r.scenario)}, ${
    r.passed ? '<span class="pass">passed</span>' : '<span class="fail">INVARIANT BREACH</span>'
  }</h1>
<p>${escape(r.startedAt)} · ${escape(r.url)} · sale ${r.saleId} · ${options}</p>
<h2>Invariants</h2><ul>${checks}</ul>
${r.queue ? queueSection(r.queue) : ""}${
    r.checkout
      ? `<section><h1>Checkout holds</h1>${
        checkoutFacts(r.checkout).map((line) => `<p>${escape(line)}.</p>`).join("")
      }</section>${charts("Payments and cancels", r.checkout.requests)}`
      : ""
  }${charts("Purchases", r.purchases)}${r.reads ? charts("Reads", r.reads) : ""}
</body></html>
`;
}

/** Writes `<base>.json` and `<base>.html`; returns their paths. */
export async function writeReport(r: RunResult, base: string): Promise<[string, string]> {
  const dir = base.includes("/") ? base.slice(0, base.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  const json = `${base}.json`;
  const html = `${base}.html`;
  await Deno.writeTextFile(json, JSON.stringify(r, null, 2) + "\n");
  await Deno.writeTextFile(html, renderHtml(r));
  return [json, html];
}
