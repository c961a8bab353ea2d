/**
 * Beyond one machine: the app on a 3-master Redis Cluster (REDIS_CLUSTER_NODES) and behind PgBouncer
 * in transaction pooling mode, both started here, with several sales selling at once.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { type Attempt, countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { RedisCluster } from "../helpers/cluster.ts";
import { createTestDatabase } from "../helpers/env.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { buyWith, joinLine, waitPast } from "../helpers/line.ts";
import { PgBouncer } from "../helpers/pgbouncer.ts";
import { saleKeys } from "../../lib/gate/keys.ts";

const SALES = 6;
const STOCK = 20;
const SHOPPERS = 250;

Deno.test("Redis Cluster + PgBouncer: six sales at once sell exactly, same-shopper storms make one order, a waiting room admits in order", async () => {
  const cluster = await RedisCluster.start();
  const bouncer = await PgBouncer.start();
  const db = await createTestDatabase();
  const app = await startTestApp(
    {
      REDIS_CLUSTER_NODES: cluster.nodes,
      DATABASE_URL: bouncer.url(db.name),
      // PgBouncer 1.18 in transaction pooling cannot keep named prepared statements.
      DB_PREPARED_STATEMENTS: "false",
    },
    db,
  );
  try {
    const saleIds: number[] = [];
    for (let i = 0; i < SALES; i++) saleIds.push(await createSale(app.url, { totalStock: STOCK }));
    const homes = await Promise.all(
      saleIds.map((id) => cluster.nodeFor(saleKeys(app.prefix, id).stock)),
    );
    assert(new Set(homes).size >= 2, `the sales spread over the shards: ${homes.join(" ")}`);

    // Every sale's rush at once, interleaved, plus one shopper hammering each sale.
    const jobs = saleIds.flatMap((saleId) => [
      ...Array.from({ length: SHOPPERS }, (_, i) => ({ saleId, userId: `s${saleId}-${i}` })),
      ...Array.from({ length: 30 }, () => ({ saleId, userId: `same-${saleId}` })),
    ]).sort(() => Math.random() - 0.5);
    const attempts = await pool(jobs.length, 300, async (i) => {
      const job = jobs[i]!;
      return { saleId: job.saleId, ...(await purchase(app.url, job.saleId, job.userId)) };
    });

    for (const [n, saleId] of saleIds.entries()) {
      const mine: Attempt[] = attempts.filter((a) => a.saleId === saleId);
      const outcomes = countBy(mine, (a) => a.result);
      assertEquals(outcomes.SUCCESS, STOCK, `sale ${saleId}: ${JSON.stringify(outcomes)}`);
      assertEquals(mine.filter((a) => a.status === 0 || a.status >= 500).length, 0);
      const same = mine.filter((a) => a.userId === `same-${saleId}`);
      const orderIds = new Set(same.map((a) => a.orderId).filter(Boolean));
      // The same shopper: at most one order, and every answer that names one names that one.
      assert(orderIds.size <= 1, `sale ${saleId}: ${[...orderIds].join(",")}`);
      assert(
        same.every((a) => ["SUCCESS", "ALREADY_PURCHASED", "SOLD_OUT"].includes(a.result ?? "")),
        JSON.stringify(countBy(same, (a) => a.result)),
      );

      const state = await waitUntilQuiet(app.sql, homes[n]!, app.prefix, saleId);
      assertEquals([state.orders, state.sold, state.remaining], [STOCK, STOCK, 0]);
      assertEquals(await breaches(app.sql, state, saleId, mine), NO_BREACHES);
    }

    // A waiting room on the cluster: its scripts touch one slot each (the sale's hash tag).
    const queued = await createSale(app.url, {
      totalStock: 3,
      waitingRoom: { powBits: 4, overbook: 1.0 },
    });
    const tickets: string[] = [];
    for (let i = 0; i < 8; i++) {
      const j = await joinLine(app.url, queued, `q-${i}`);
      assertEquals([j.status, j.body.number], [201, i + 1], JSON.stringify(j.body));
      tickets.push(j.body.ticket);
    }
    const answers = [];
    for (const [i, ticket] of tickets.entries()) {
      const t = await waitPast(app.url, queued, ticket);
      answers.push(
        t.body.state === "admitted"
          ? (await buyWith(app.url, queued, `q-${i}`, t.body.admission)).status
          : t.body.state,
      );
    }
    assertEquals(answers, [
      201,
      201,
      201,
      "sold_out",
      "sold_out",
      "sold_out",
      "sold_out",
      "sold_out",
    ]);
  } finally {
    await app.close();
    await bouncer.stop();
    await cluster.stop();
  }
});
