import { assert, assertEquals } from "../helpers/assert.ts";
import { type Attempt, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { serverFixture, ServerProcess } from "../helpers/processes.ts";

const FAST_SWEEP = { OUTBOX_MIN_AGE_MS: "1000", SWEEP_INTERVAL_MS: "200" };

Deno.test("three server processes on one port sell exactly the stock", async () => {
  const f = await serverFixture(FAST_SWEEP);
  const first = new ServerProcess(f.env);
  const servers = [
    first,
    new ServerProcess(f.env, first.port),
    new ServerProcess(f.env, first.port),
  ];
  try {
    await Promise.all(servers.map((s) => s.start()));
    const saleId = await createSale(first.url, { totalStock: 150 });
    // Another process learns of the new sale through the change channel, not a restart.
    await new Promise((r) => setTimeout(r, 200));
    const attempts = await pool(2000, 200, (i) => purchase(first.url, saleId, `mp-${i % 1800}`));
    const outcomes = countBy(attempts, (a) => a.result);
    assertEquals(outcomes.SUCCESS, 150);
    assertEquals((outcomes.SOLD_OUT ?? 0) + (outcomes.ALREADY_PURCHASED ?? 0), 1850);
    const state = await waitUntilQuiet(f.sql, REDIS_URL, f.prefix, saleId);
    assertEquals([state.sold, state.remaining], [150, 0]);
    assertEquals(await breaches(f.sql, state, saleId, attempts), NO_BREACHES);
  } finally {
    await f.close(servers);
  }
});

Deno.test("SIGTERM mid-rush: in-flight purchases finish, the process exits 0, nothing is lost", async () => {
  const f = await serverFixture(FAST_SWEEP);
  const server = new ServerProcess(f.env);
  try {
    await server.start();
    const saleId = await createSale(server.url, { totalStock: 500 });
    let successes = 0;
    const stopping = (async () => {
      while (successes < 50) await new Promise((r) => setTimeout(r, 5));
      return await server.signal("SIGTERM");
    })();
    const attempts: Attempt[] = await pool(1500, 100, async (i) => {
      const a = await purchase(server.url, saleId, `term-${i}`);
      if (a.result === "SUCCESS") successes++;
      return a;
    });
    const status = await stopping;
    assertEquals(status.code, 0);
    assert(attempts.some((a) => a.status === 0), "requests after the stop were refused");
    assertEquals(attempts.filter((a) => a.status >= 500).length, 0);

    // No server runs now: PostgreSQL must already hold every acknowledged order.
    const rows = await f.sql`SELECT id FROM orders WHERE sale_id = ${saleId}`;
    const ids = new Set(rows.map((r) => r.id));
    const acked = attempts.filter((a) => a.result === "SUCCESS");
    assertEquals(acked.filter((a) => !ids.has(a.orderId)).length, 0);

    await server.start(); // settles anything reserved but unanswered
    const state = await waitUntilQuiet(f.sql, REDIS_URL, f.prefix, saleId);
    assertEquals(await breaches(f.sql, state, saleId, attempts), NO_BREACHES);
  } finally {
    await f.close([server]);
  }
});
