/**
 * Scale-out on existing engines (DESIGN §10): two independent instances of the app (two
 * supervisors with two workers each, on two ports) behind nginx (the project's proxy/nginx.conf),
 * on one Redis and one PostgreSQL. The stock is exact, a waiting-room line has one admitter across
 * both, and /metrics on either instance counts the whole deployment.
 */
import { Redis } from "ioredis";
import { lineKeys } from "../../lib/gate/keys.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  type Attempt,
  attemptOf,
  call,
  countBy,
  createSale,
  pool,
  purchase,
} from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { buyWith, joinLine, readTicket } from "../helpers/line.ts";
import { nginxBinary, NginxProcess } from "../helpers/nginx.ts";
import { serverFixture, ServerProcess } from "../helpers/processes.ts";

const nginx = nginxBinary();
if (nginx === null) {
  console.log("scale_out_test.ts: skipped, nginx is not installed (Debian: apt-get install nginx)");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until `check` holds, or fails with `why` after `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number, why: () => string) {
  const until = Date.now() + ms;
  while (!await check()) {
    assert(Date.now() < until, why());
    await sleep(100);
  }
}

/** The value of one series in a Prometheus text, 0 when absent. */
function metric(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Which instance's port each logged request of `path` went to (nginx's $upstream_addr). */
async function upstreamsOf(proxy: NginxProcess, pattern: RegExp): Promise<Set<string>> {
  const lines = (await proxy.accessLog()).filter((l) => pattern.test(l));
  return new Set(lines.map((l) => l.split(" ").at(-1)!.split(":").at(-1)!));
}

Deno.test({
  name: "scale-out: two instances behind nginx on one Redis and one PostgreSQL",
  ignore: nginx === null,
  async fn(t) {
    const f = await serverFixture({
      WORKERS: "2",
      // nginx is the one proxy hop; the line admits shoppers from one address.
      TRUSTED_PROXY_HOPS: "1",
      QUEUE_JOINS_PER_IP: "0",
    });
    const instances = [new ServerProcess(f.env), new ServerProcess(f.env)];
    const ports = instances.map((s) => String(s.port));
    let proxy: NginxProcess | undefined;
    const redis = new Redis(REDIS_URL);
    try {
      await Promise.all(instances.map((s) => s.start()));
      proxy = await NginxProcess.start(nginx!, instances.map((s) => s.port));
      const base = proxy.url;
      const workers = instances.flatMap((s) => s.pids().slice(1));
      assertEquals(workers.length, 4);

      /** Until every instance, asked directly, knows the sale (it hears of it from Redis). */
      const known = (saleId: number) =>
        eventually(
          async () =>
            (await Promise.all(
              instances.map(async (s) => (await call(s.url, "GET", `/api/sales/${saleId}`)).status),
            )).every((status) => status === 200),
          10_000,
          () => `sale ${saleId} unknown to an instance`,
        );

      const total = 50;
      const shoppers = 200;
      let rushSale = 0;
      let attempts: Attempt[] = [];

      await t.step("a rush through the proxy sells exactly the stock", async () => {
        rushSale = await createSale(base, { totalStock: total });
        await known(rushSale);
        attempts = await pool(shoppers, 40, (i) => purchase(base, rushSale, `rush-${i}`));
        const state = await waitUntilQuiet(f.sql, REDIS_URL, f.prefix, rushSale);
        // Rows in PostgreSQL, keys in Redis: exactly the stock sold, one order per shopper.
        assertEquals([state.orders, state.sold, state.remaining], [total, total, 0]);
        assertEquals(state.remaining, state.total - state.sold);
        const [perShopper] = await f.sql`
          SELECT count(*)::int AS n FROM (
            SELECT user_id FROM orders WHERE sale_id = ${rushSale}
            GROUP BY user_id HAVING count(*) > 1) twice`;
        assertEquals(perShopper!.n, 0);
        assertEquals(await breaches(f.sql, state, rushSale, attempts), NO_BREACHES);
        assertEquals(countBy(attempts, (a) => a.result), { SUCCESS: total, SOLD_OUT: 150 });
        // nginx spread the purchases over both instances.
        assertEquals(
          await upstreamsOf(proxy!, /^POST \/api\/sales\/\d+\/purchase /),
          new Set(ports),
        );
      });

      await t.step("a waiting-room line has one admitter across both instances", async () => {
        const stock = 6;
        const saleId = await createSale(base, {
          totalStock: stock,
          waitingRoom: { powBits: 8, admissionTtlSeconds: 120, overbook: 1, prequeueMinutes: 0 },
        });
        await known(saleId);
        // Shoppers join one after another through the proxy. nginx takes turns between the
        // instances; every other shopper reads the sale first, so the joins (a challenge, then
        // the join) land on both.
        const tickets: string[] = [];
        for (let i = 0; i < 15; i++) {
          if (i % 2 === 1) {
            assertEquals((await call(base, "GET", `/api/sales/${saleId}`)).status, 200);
          }
          const r = await joinLine(base, saleId, `line-${i}`);
          assertEquals(r.status, 201, JSON.stringify(r.body));
          assertEquals(r.body.number, i + 1, "places in the order of joining");
          tickets.push(r.body.ticket);
        }
        assertEquals(await upstreamsOf(proxy!, /^POST \/api\/sales\/\d+\/queue /), new Set(ports));

        // First come, first served: the first `stock` are admitted, whichever instance they
        // joined through; everyone behind them waits.
        const states = async () =>
          await Promise.all(
            tickets.map(async (ticket) => (await readTicket(base, saleId, ticket)).body),
          );
        let seen = await states();
        await eventually(
          async () =>
            (seen = await states()).filter((s) => s.state === "admitted").length === stock,
          15_000,
          () => `admissions: ${JSON.stringify(seen.map((s) => s.state))}`,
        );
        await sleep(500); // a few admitter steps later, nobody else was admitted
        seen = await states();
        assertEquals(
          seen.map((s) => s.state),
          [...Array(stock).fill("admitted"), ...Array(15 - stock).fill("waiting")],
        );

        // One lease, held by one worker of one of the two instances.
        const token = await redis.get(lineKeys(f.prefix, saleId).lease);
        const holder = Number(token?.split("/")[1]);
        assert(workers.includes(holder), `lease ${token} held by none of ${workers}`);

        // The admitted buy through the proxy, each admission once; then nothing is left to wait for.
        const bought = await Promise.all(
          seen.slice(0, stock).map(async (s, i) =>
            attemptOf(`line-${i}`, await buyWith(base, saleId, `line-${i}`, s.admission))
          ),
        );
        assertEquals(bought.map((a) => a.result), Array(stock).fill("SUCCESS"));
        await eventually(
          async () => (seen = await states()).slice(stock).every((s) => s.state === "sold_out"),
          15_000,
          () => `after the sale: ${JSON.stringify(seen.map((s) => s.state))}`,
        );
        const rows = await f.sql<{ user_id: string }[]>`
          SELECT user_id FROM orders WHERE sale_id = ${saleId} ORDER BY user_id`;
        assertEquals(
          rows.map((r) => r.user_id),
          Array.from({ length: stock }, (_, i) => `line-${i}`).sort(),
        );
      });

      await t.step("/metrics on either instance counts the whole deployment", async () => {
        const expected = countBy(attempts, (a) => a.result);
        const scrape = async (instance: ServerProcess) => {
          const text = await (await fetch(`${instance.url}/metrics`)).text();
          const series = (result: string) =>
            metric(text, `flashsale_purchases_total{sale="${rushSale}",result="${result}"}`);
          return {
            SUCCESS: series("SUCCESS"),
            SOLD_OUT: series("SOLD_OUT"),
            processes: metric(text, "flashsale_processes"),
          };
        };
        const want = { SUCCESS: expected.SUCCESS!, SOLD_OUT: expected.SOLD_OUT!, processes: 4 };
        for (const instance of instances) {
          let last = await scrape(instance);
          // Each process adds its counts to the totals in Redis about once a second.
          await eventually(
            async () => JSON.stringify(last = await scrape(instance)) === JSON.stringify(want),
            10_000,
            () => `${instance.url}/metrics: ${JSON.stringify(last)}, want ${JSON.stringify(want)}`,
          );
        }
      });

      await t.step(
        "with both instances down, nginx answers 503 in the app's error shape",
        async () => {
          await Promise.all(instances.map((s) => s.stop()));
          const res = await fetch(`${base}/api/sales/${rushSale}`);
          assertEquals(res.status, 503);
          assertEquals(res.headers.get("content-type"), "application/json");
          assertEquals((await res.json()).error.code, "UNAVAILABLE");
        },
      );
    } finally {
      redis.disconnect();
      await proxy?.stop();
      await f.close(instances);
    }
  },
});
