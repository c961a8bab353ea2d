import { Redis } from "ioredis";
import { saleKeys } from "../../lib/gate/keys.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { HELD_WRITER, startTestApp } from "../helpers/app.ts";
import {
  adminAction,
  type Attempt,
  countBy,
  createSale,
  pool,
  purchase,
} from "../helpers/client.ts";
import { readState } from "../helpers/invariants.ts";
import { buyRetrying } from "../helpers/scenarios.ts";

Deno.test("a reservation voided by a reset leaves Redis: its stock comes back in every process and its shopper can buy again", async () => {
  // Two processes over one database and one Redis. Their sold-out hints live 10 minutes here, so
  // only a change notice can clear them.
  const env = { ...HELD_WRITER, SOLD_OUT_TTL_MS: "600000" };
  const a = await startTestApp(env);
  const b = await startTestApp({ ...env, REDIS_KEY_PREFIX: a.prefix }, a.db);
  const redis = new Redis(a.config.REDIS_URL);
  try {
    const saleId = await createSale(a.url, { totalStock: 6 });
    const before = await pool(6, 6, (i) => purchase(a.url, saleId, `old-${i}`));
    assertEquals(countBy(before, (x) => x.result), { PENDING: 6 });
    for (const app of [a, b]) {
      assertEquals((await purchase(app.url, saleId, "late")).result, "SOLD_OUT");
    }

    // The reset clears PostgreSQL, then its recount fails (PostgreSQL refuses the fence's
    // update, as a dropped connection or a timeout would): the reset ends without its rebuild,
    // and the six writes held in flight are all stamped before its fence.
    await a.sql.unsafe(`
      CREATE FUNCTION fail_fence() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'recount refused by the test'; END $$;
      CREATE TRIGGER fail_fence BEFORE UPDATE ON sales FOR EACH ROW
        WHEN (OLD.* IS NOT DISTINCT FROM NEW.*) EXECUTE FUNCTION fail_fence();`);
    const reset = await adminAction(a.url, saleId, "reset");
    assert(reset.status >= 500, `the reset failed (${reset.status})`);
    await a.sql.unsafe(`DROP TRIGGER fail_fence ON sales; DROP FUNCTION fail_fence();`);

    // The held writer flushes: PostgreSQL voids all six (made before the reset).
    await a.platform.writer.drain();
    const state = await readState(a.sql, a.config.REDIS_URL, a.prefix, saleId);
    assertEquals([state.orders, state.outbox], [0, 0], "six void rows, nothing in flight");
    // I4: remaining == total - sold - in flight, and no buyer entry names a void order.
    assertEquals(state.remaining, state.total - state.sold - state.outbox);
    const k = saleKeys(a.prefix, saleId);
    const entries = await redis.hmget(k.buyers, ...before.map((x) => x.userId));
    assertEquals(entries, before.map(() => null));

    // The other process heard that stock came back: its hint no longer refuses a newcomer.
    const log: Attempt[] = [];
    const until = Date.now() + 5000;
    let newcomer = await buyRetrying(b.url, saleId, "newcomer", log);
    while (newcomer.result === "SOLD_OUT" && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      newcomer = await buyRetrying(b.url, saleId, "newcomer", log);
    }
    assertEquals(newcomer.result, "PENDING");
    // Not told "already purchased" for an order that does not exist: old-0 buys again.
    const again = await buyRetrying(a.url, saleId, "old-0", log);
    assertEquals(again.result, "PENDING");
    assert(again.orderId !== before[0]!.orderId, "a new order");

    await a.platform.writer.drain();
    await b.platform.writer.drain();
    const after = await readState(a.sql, a.config.REDIS_URL, a.prefix, saleId);
    assertEquals([after.orders, after.sold, after.remaining, after.buyers], [2, 2, 4, 2]);
  } finally {
    redis.disconnect();
    await b.stopServer();
    await a.close();
    await b.sql.end();
  }
});
