/**
 * The Deno load runner: a burst of distinct shoppers against a running server, then the invariant
 * check through the admin API. Usage:
 *
 *   deno task load --url http://127.0.0.1:8000 --shoppers 10000 --stock 1000 --concurrency 500
 *
 * It creates its own sale (ADMIN_TOKEN from the environment), so it never disturbs another one.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8000" },
    shoppers: { type: "string", default: "10000" },
    stock: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "500" },
    quantity: { type: "string", default: "1" },
  },
});
const base = values.url;
const shoppers = Number(values.shoppers);
const stock = Number(values.stock);
const concurrency = Number(values.concurrency);
const quantity = Number(values.quantity);
const token = Deno.env.get("ADMIN_TOKEN");
if (!token) {
  console.error("ADMIN_TOKEN must be set: the runner creates its own sale through the admin API.");
  Deno.exit(2);
}
const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };

async function post(path: string, body: unknown, headers: HeadersInit) {
  const res = await fetch(base + path, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const created = await post("/api/admin/sales", {
  name: `load ${new Date().toISOString()}`,
  totalStock: stock,
  perUserLimit: Math.max(1, quantity),
  startTime: new Date(Date.now() - 1000).toISOString(),
  endTime: new Date(Date.now() + 3_600_000).toISOString(),
}, auth);
if (created.status !== 201) {
  console.error("could not create the sale:", created.status, JSON.stringify(created.body));
  Deno.exit(2);
}
const saleId: number = created.body.id;
const run = crypto.randomUUID().slice(0, 8);
const latencies: number[] = [];
const outcomes: Record<string, number> = {};
const confirmed: { userId: string; orderId: string }[] = [];
let errors = 0;
let next = 0;

const started = performance.now();
const progress = setInterval(() => {
  const secs = (performance.now() - started) / 1000;
  console.error(`  ${next}/${shoppers} sent, ${(next / secs).toFixed(0)} req/s`);
}, 1000);
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < shoppers) {
    const userId = `load-${run}-${next++}`;
    const t0 = performance.now();
    try {
      const res = await post(`/api/sales/${saleId}/purchase`, { userId, quantity }, {
        "content-type": "application/json",
      });
      latencies.push(performance.now() - t0);
      const result = res.body.result ?? res.body.error?.code ?? `HTTP_${res.status}`;
      outcomes[result] = (outcomes[result] ?? 0) + 1;
      if (res.status >= 500) errors++;
      if (result === "SUCCESS" || result === "PENDING") {
        confirmed.push({ userId, orderId: res.body.order.id });
      }
    } catch {
      errors++;
      outcomes.NETWORK_ERROR = (outcomes.NETWORK_ERROR ?? 0) + 1;
    }
  }
}));
clearInterval(progress);
const seconds = (performance.now() - started) / 1000;

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
console.log(`sale ${saleId}: ${shoppers} shoppers, ${stock} items, ${concurrency} at a time`);
console.log(
  `throughput: ${(shoppers / seconds).toFixed(0)} requests/s over ${seconds.toFixed(2)} s`,
);
console.log(
  `latency ms: p50 ${pct(0.5).toFixed(1)}  p90 ${pct(0.9).toFixed(1)}  p99 ${
    pct(0.99).toFixed(1)
  }  max ${(latencies.at(-1) ?? 0).toFixed(1)}`,
);
console.log("outcomes:", JSON.stringify(outcomes), `errors: ${errors}`);

// Invariants, once the server has settled: from PostgreSQL (admin stats) and per shopper.
const expectedSold = Math.min(stock, shoppers * quantity);
let stats = { sold: -1, orders: -1, remainingStock: -1 };
for (let i = 0; i < 100; i++) {
  const res = await fetch(`${base}/api/admin/sales/${saleId}/stats`, { headers: auth });
  stats = await res.json();
  if (stats.sold + stats.remainingStock === stock && stats.sold >= confirmed.length * quantity) {
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
let missing = 0;
for (let i = 0; i < confirmed.length; i += 50) {
  await Promise.all(
    confirmed.slice(i, i + 50).map(async ({ userId, orderId }) => {
      const res = await fetch(`${base}/api/sales/${saleId}/orders/${userId}`);
      const body = await res.json();
      if (body.order?.id !== orderId) missing++;
    }),
  );
}
const checks: [string, boolean][] = [
  [
    `sold ${stats.sold} == min(stock, shoppers × quantity) ${expectedSold}`,
    stats.sold === expectedSold,
  ],
  [
    `remaining ${stats.remainingStock} == total − sold ${stock - stats.sold}`,
    stats.remainingStock === stock - stats.sold,
  ],
  [`every acknowledged order is in PostgreSQL (${missing} missing)`, missing === 0],
  [
    `one order per shopper (${stats.orders} orders, ${stats.sold} items)`,
    stats.orders * quantity === stats.sold,
  ],
  [`no 5xx or network errors (${errors})`, errors === 0],
];
for (const [what, ok] of checks) console.log(`${ok ? "PASS" : "FAIL"}  ${what}`);
Deno.exit(checks.every(([, ok]) => ok) ? 0 : 1);
