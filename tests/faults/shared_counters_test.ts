import { assert, assertEquals } from "../helpers/assert.ts";
import { admin, countBy, createSale, pool } from "../helpers/client.ts";
import { serverFixture, ServerProcess } from "../helpers/processes.ts";

/** A new connection per request, so the kernel spreads them over the processes on the port. */
const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { client, headers });
  assertEquals(res.status, 200, url);
  return res;
}

function metric(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

Deno.test("two processes on one port: every scrape of /metrics, /sale/stats and the admin stats counts the whole server", async () => {
  const f = await serverFixture();
  const first = new ServerProcess(f.env);
  const servers = [first, new ServerProcess(f.env, first.port)];
  try {
    await Promise.all(servers.map((s) => s.start()));
    const saleId = await createSale(first.url, { totalStock: 20 });
    await new Promise((r) => setTimeout(r, 300)); // the other process hears of the sale
    const results = await pool(50, 5, async (i) => {
      const res = await fetch(`${first.url}/api/sales/${saleId}/purchase`, {
        client,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: `shared-${i}` }),
      });
      return (await res.json()).result as string;
    });
    assertEquals(countBy(results, (r) => r), { SUCCESS: 20, SOLD_OUT: 30 });

    const expected = [20, 30, 20, 30, 20, 30, 20];
    const scrape = async () => {
      const text = await (await get(`${first.url}/metrics`)).text();
      const stats = await (await get(`${first.url}/sale/stats?saleId=${saleId}`)).json();
      const outcomes = (await (await get(`${first.url}/api/admin/sales/${saleId}/stats`, admin))
        .json()).outcomes;
      const series = (result: string) =>
        metric(text, `flashsale_purchases_total{sale="${saleId}",result="${result}"}`);
      return [
        series("SUCCESS"),
        series("SOLD_OUT"),
        stats.purchases.successCount,
        stats.purchases.failedCount,
        outcomes.SUCCESS ?? 0,
        outcomes.SOLD_OUT ?? 0,
        metric(text, "flashsale_commit_rows_total"),
      ] as number[];
    };
    let previous = expected.map(() => 0);
    const seen: number[][] = [];
    const deadline = Date.now() + 5_000;
    let settledRounds = 0;
    // Counters are flushed to the shared totals about once a second: poll until they show every
    // answer, then keep scraping. No scrape may ever go back (a counter reset to Prometheus).
    while (settledRounds < 10) {
      const now = await scrape();
      seen.push(now);
      now.forEach((n, i) => assert(n >= previous[i]!, `went back: ${JSON.stringify(seen)}`));
      previous = now;
      if (JSON.stringify(now) === JSON.stringify(expected)) settledRounds++;
      else {
        assertEquals(settledRounds, 0, `changed after settling: ${JSON.stringify(seen)}`);
        assert(Date.now() < deadline, `never showed the whole server: ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    // A worker's restart resets nothing: the totals live in Redis, not in the process.
    assertEquals((await servers[1]!.signal("SIGTERM")).code, 0);
    await servers[1]!.start();
    for (let i = 0; i < 5; i++) assertEquals(await scrape(), expected);
    // Gauges are the sums over the live processes; the restarted one reports within a second.
    const processes = async () =>
      metric(await (await get(`${first.url}/metrics`)).text(), "flashsale_processes");
    const until = Date.now() + 3_000;
    while (await processes() !== 2) {
      assert(Date.now() < until, "both processes report their gauges");
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await f.close(servers);
  }
});

Deno.test("two processes on one port: /sale/stats counts from the sale's last reset, wherever the reset ran", async () => {
  const f = await serverFixture();
  const first = new ServerProcess(f.env);
  const servers = [first, new ServerProcess(f.env, first.port)];
  try {
    await Promise.all(servers.map((s) => s.start()));
    const saleId = await createSale(first.url, { totalStock: 10 });
    await new Promise((r) => setTimeout(r, 300)); // the other process hears of the sale
    const buy = (prefix: string, n: number) =>
      pool(n, 5, async (i) => {
        const res = await fetch(`${first.url}/api/sales/${saleId}/purchase`, {
          client,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ userId: `${prefix}-${i}` }),
        });
        return (await res.json()).result as string;
      });
    const stats = async () =>
      (await (await get(`${first.url}/sale/stats?saleId=${saleId}`)).json()).purchases;
    /** Polls until the stats show `expected`, then requires them to stay so. */
    const settlesAt = async (expected: Record<string, number>) => {
      const seen: unknown[] = [];
      const deadline = Date.now() + 5_000;
      let settledRounds = 0;
      while (settledRounds < 10) {
        const now = await stats();
        seen.push(now);
        if (JSON.stringify(now) === JSON.stringify(expected)) settledRounds++;
        else {
          assertEquals(settledRounds, 0, `changed after settling: ${JSON.stringify(seen)}`);
          assert(
            Date.now() < deadline,
            `never showed ${JSON.stringify(expected)}: ${JSON.stringify(seen)}`,
          );
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };

    assertEquals(countBy(await buy("before", 30), (r) => r), { SUCCESS: 10, SOLD_OUT: 20 });
    // Every process has sent its counts from before the reset: the totals hold all 20 refusals.
    await settlesAt({ successCount: 10, failedCount: 20, totalCount: 30 });
    const reset = await fetch(`${first.url}/sale/reset?saleId=${saleId}`, {
      client,
      method: "POST",
      headers: { "content-type": "application/json", ...admin },
      body: JSON.stringify({ stock: 4 }),
    });
    assertEquals(reset.status, 200, await reset.text());
    await new Promise((r) => setTimeout(r, 300)); // the other process hears of the reset
    assertEquals(countBy(await buy("after", 12), (r) => r), { SUCCESS: 4, SOLD_OUT: 8 });
    await settlesAt({ successCount: 4, failedCount: 8, totalCount: 12 });
    // Prometheus counts on across the reset, whichever process a scrape lands on.
    const text = await (await get(`${first.url}/metrics`)).text();
    assertEquals(
      metric(text, `flashsale_purchases_total{sale="${saleId}",result="SOLD_OUT"}`),
      28,
    );
  } finally {
    await f.close(servers);
  }
});
