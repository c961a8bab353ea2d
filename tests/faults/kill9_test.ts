import { assert, assertEquals } from "../helpers/assert.ts";
import { deleteKeys } from "../helpers/app.ts";
import { type Attempt, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { connectDb } from "../../lib/db.ts";
import { ADMIN_TOKEN, createTestDatabase, REDIS_URL, testPrefix } from "../helpers/env.ts";
import { breaches, NO_BREACHES, settle } from "../helpers/invariants.ts";
import { ServerProcess } from "../helpers/processes.ts";

Deno.test("kill -9 of the server mid-rush, then a restart: nothing lost, oversold or stuck", async () => {
  const db = await createTestDatabase();
  const prefix = testPrefix();
  const sql = connectDb(db.url, { max: 2 });
  const server = new ServerProcess({
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_TOKEN,
    OUTBOX_MIN_AGE_MS: "1000",
    SWEEP_INTERVAL_MS: "200",
  });
  try {
    await server.start();
    const saleId = await createSale(server.url, { totalStock: 300 });

    let successes = 0;
    let killed = false;
    const crash = (async () => {
      while (successes < 60) await new Promise((r) => setTimeout(r, 5));
      await server.signal("SIGKILL");
      killed = true;
      await server.start();
    })();
    // Each shopper keeps trying while the server is down, as a real client would; every attempt
    // is recorded, so one that died with the server counts as "unknown", not as refused.
    const attempts: Attempt[] = [];
    await pool(1500, 100, async (i) => {
      for (let tries = 0; tries < 300; tries++) {
        const a = await purchase(server.url, saleId, `k9-${i}`);
        attempts.push(a);
        if (a.result === "SUCCESS") successes++;
        if (a.status !== 0 && a.status < 500) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    await crash;
    assert(killed, "the server was killed during the rush");
    const unanswered = attempts.filter((a) => a.status === 0).length;
    console.log("outcomes:", countBy(attempts, (a) => `${a.status} ${a.result}`));

    const state = await settle(sql, REDIS_URL, prefix, saleId);
    assertEquals(await breaches(sql, state, saleId, attempts), NO_BREACHES);
    assertEquals(state.sold, 300, "the rush of 1,500 sold all 300 items across the crash");
    assert(unanswered > 0, "some requests met the dead server");
    // Shoppers whose request died with the server may hold an order; every acknowledged one does.
    const acknowledged = attempts.filter((a) => a.result === "SUCCESS").length;
    assert(state.orders >= acknowledged);
  } finally {
    await server.stop();
    await sql.end();
    await db.drop();
    await deleteKeys(REDIS_URL, prefix);
  }
});
