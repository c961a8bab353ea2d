/**
 * Status reads and pages take the remaining stock from the in-process snapshot (lib/sales/stock.ts):
 * one Redis read per refresh whatever the number of requests, and never older than MAX_AGE_MS,
 * even after a purchase made by another process.
 */
import { Cluster, Redis } from "ioredis";
import { MAX_AGE_MS, REFRESH_MS, StockSnapshot } from "../../lib/sales/stock.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { deleteKeys, startTestApp } from "../helpers/app.ts";
import { BRIDGE_TOKEN, startBridge } from "../helpers/bridge.ts";
import { REDIS_PORT, REDIS_URL, testPrefix } from "../helpers/env.ts";
import { Gate } from "../../lib/gate/gate.ts";
import { saleKeys } from "../../lib/gate/keys.ts";
import { connectRest } from "../../lib/infra/redis/rest.ts";
import { connectCluster, connectTcp } from "../../lib/infra/redis/tcp.ts";
import { RedisCluster } from "../helpers/cluster.ts";
import { admin, call, createSale, pool, purchase } from "../helpers/client.ts";
import { RedisServer } from "../helpers/processes.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";

/**
 * Stock reads Redis counted since its last CONFIG RESETSTAT: GET and MGET, also those run inside
 * a script (commandstats counts them there too). A refresh is one of them (stocks.lua's MGET, or
 * one GET for a single sale); before the snapshot, each status read was a GET. EVALSHA itself is
 * not summed: it would count each refresh twice, and the metrics flush's script besides.
 */
async function stockReads(redis: Redis): Promise<{ reads: number; stats: string }> {
  const info = await redis.info("commandstats");
  let reads = 0;
  for (const m of info.matchAll(/^cmdstat_(get|mget):calls=(\d+)/gm)) reads += Number(m[2]);
  const stats = [...info.matchAll(/^cmdstat_(\S+):calls=(\d+)/gm)].map((m) => `${m[1]}=${m[2]}`);
  return { reads, stats: stats.join(" ") };
}

Deno.test("1,000 status reads cost one Redis read per refresh, not one per request", async () => {
  // A Redis of the test's own: its command counts are this app's alone.
  const server = await RedisServer.start();
  const app = await startTestApp({ REDIS_URL: server.url });
  const redis = new Redis(server.url);
  try {
    const saleId = await createSale(app.url, { totalStock: 10 });
    for (let i = 0; i < 3; i++) {
      assertEquals((await purchase(app.url, saleId, `s-${i}`)).status, 201);
    }
    const paths = [`/api/sales/${saleId}`, `/sale/status?saleId=${saleId}`, "/api/sales"];

    await redis.config("RESETSTAT");
    const started = performance.now();
    const answers = await pool(1000, 10, (i) => call(app.url, "GET", paths[i % 3]!));
    const elapsedMs = performance.now() - started;
    const { reads, stats } = await stockReads(redis);

    // Every answer tells the real stock: 10 less the 3 sold.
    for (const a of answers) {
      assertEquals(a.status, 200);
      const stock = a.body.remainingStock ??
        a.body.sales.find((s: { id: number }) => s.id === saleId).remainingStock;
      assertEquals(stock, 7);
    }
    // Refreshes are REFRESH_MS apart at least (a late timer lets a reader refresh, and the timer
    // counts from that call), plus the first two (one sale, then the list adds sale 1) and one the
    // timer may make between the last read and INFO: about 12 for a second of reads.
    const bound = Math.ceil(elapsedMs / REFRESH_MS) + 3;
    console.log(`1,000 reads in ${elapsedMs.toFixed(0)} ms: ${reads} stock reads (bound ${bound})`);
    console.log(`commandstats: ${stats}`);
    assert(reads <= bound, `${reads} stock reads in Redis for 1,000 status reads (bound ${bound})`);
  } finally {
    redis.disconnect();
    await app.close();
    await server.stop();
  }
});

Deno.test("a read never shows stock older than MAX_AGE_MS after another process's purchase", async () => {
  const reader = await startTestApp();
  const buyer = await startTestApp({ REDIS_KEY_PREFIX: reader.prefix }, reader.db);
  let reading = true;
  try {
    const saleId = await createSale(reader.url, { totalStock: 20 });
    await waitForSale(buyer.url, saleId);
    // Readers keep the reader's snapshot polling, as under load.
    const background = (async () => {
      while (reading) {
        await call(reader.url, "GET", `/api/sales/${saleId}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    for (let i = 0; i < 8; i++) {
      const bought = await call(buyer.url, "POST", `/api/sales/${saleId}/purchase`, {
        userId: `fresh-${i}`,
      });
      assertEquals(bought.status, 201);
      // The purchase is in Redis before its answer left: a read the reader begins MAX_AGE_MS later
      // must show it. The server begins the read after the test sent it, so this holds exactly,
      // however loaded the machine (a late timer only makes the read later, never earlier).
      const settled = performance.now();
      await new Promise((r) => setTimeout(r, MAX_AGE_MS));
      while (performance.now() < settled + MAX_AGE_MS + 1) {
        await new Promise((r) => setTimeout(r, 1));
      }
      const read = await call(reader.url, "GET", `/api/sales/${saleId}`);
      assertEquals(read.body.remainingStock, bought.body.remainingStock, `after purchase ${i}`);
      assertEquals(read.body.remainingStock, 20 - i - 1);
      // Somewhere within the next refresh, to vary the phase against the reader's timer.
      await new Promise((r) => setTimeout(r, 13 * i));
    }
    reading = false;
    await background;
  } finally {
    reading = false;
    await buyer.stopServer();
    await reader.close();
  }
});

Deno.test("a change made in this process shows in its next read, without waiting for the channel", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 10 });
    assertEquals((await purchase(app.url, saleId, "first")).status, 201);
    const read = async () => (await call(app.url, "GET", `/api/sales/${saleId}`)).body;
    assertEquals((await read()).remainingStock, 9); // the snapshot now holds the sale
    for (const totalStock of [30, 12, 50]) {
      const changed = await call(
        app.url,
        "PATCH",
        `/api/admin/sales/${saleId}`,
        { totalStock },
        admin,
      );
      assertEquals(changed.status, 200);
      assertEquals((await read()).remainingStock, totalStock - 1);
    }
  } finally {
    await app.close();
  }
});

/** The second process hears of a sale through the change feed; until then it answers 404. */
async function waitForSale(url: string, saleId: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await call(url, "GET", `/api/sales/${saleId}`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sale ${saleId} never reached the second process`);
}

Deno.test("stocks.lua reads several sales in one call, null for one without state, over TCP and REST", async () => {
  const prefix = testPrefix();
  const direct = new Redis(REDIS_URL);
  const bridge = await startBridge();
  const clients = [
    await connectTcp(REDIS_URL),
    await connectRest({ url: bridge.url, token: BRIDGE_TOKEN, pollMs: 50 }),
  ];
  try {
    await direct.set(saleKeys(prefix, 3).stock, "7");
    await direct.set(saleKeys(prefix, 4).stock, "0");
    // More keys than one MGET slice of the script, most of them without state.
    const ids = [3, 4, ...Array.from({ length: 2500 }, (_, i) => 1000 + i), 4];
    for (const client of clients) {
      const stocks = await (await Gate.load(client, prefix)).readStocks(ids);
      assertEquals(stocks.length, ids.length);
      assertEquals([stocks[0], stocks[1], stocks[2], stocks.at(-1)], [7, 0, null, 0]);
      assert(stocks.slice(2, -1).every((s) => s === null));
    }
  } finally {
    for (const client of clients) await client.close();
    await bridge.close();
    direct.disconnect();
    await deleteKeys(REDIS_URL, prefix);
  }
});

Deno.test("on a Redis Cluster, where sales sit on different shards, the stocks are read all the same", async () => {
  const cluster = await RedisCluster.start();
  const [host = "", port = ""] = cluster.nodes.split(",")[0]!.split(":");
  const direct = new Cluster([{ host, port: Number(port) }]);
  const client = await connectCluster(cluster.nodes);
  try {
    const ids = [1, 2, 3, 4, 5, 6]; // hash tags {1}..{6}: several slots, several shards
    for (const id of ids) await direct.set(saleKeys("cl", id).stock, String(id * 10));
    const gate = await Gate.load(client, "cl");
    for (let i = 0; i < 2; i++) { // the second time goes straight to one GET per sale
      assertEquals(await gate.readStocks([...ids, 99]), [10, 20, 30, 40, 50, 60, null]);
    }
  } finally {
    direct.disconnect();
    await client.close();
    await cluster.stop();
  }
});

Deno.test("a reservation's reply wins over a refresh that Redis may have run before it", async (t) => {
  const prefix = testPrefix();
  const direct = new Redis(REDIS_URL);
  const proxy = new FaultProxy(REDIS_PORT);
  const client = await connectTcp(`redis://127.0.0.1:${proxy.port}`);
  const stockKey = saleKeys(prefix, 1).stock;
  const snapshot = new StockSnapshot(await Gate.load(client, prefix));
  snapshot.stop(); // no polling: each refresh below is the one a read starts
  const expire = () => new Promise((r) => setTimeout(r, MAX_AGE_MS + 5));
  try {
    await direct.set(stockKey, "5");
    assertEquals(await snapshot.read(1), 5);

    await t.step("the reply is taken though a later-sent refresh came back first", async () => {
      await expire();
      // The attempt was handed to the gate here (its batch waits for its turn)...
      const sentAt = performance.now();
      // ...and a read's refresh, sent meanwhile, ran in Redis before the reservation did.
      assertEquals(await snapshot.read(1), 5);
      await direct.decrby(stockKey, 2);
      snapshot.observed(1, 3, sentAt);
      assertEquals(await snapshot.read(1), 3);
    });

    await t.step("a refresh sent before the reply cannot bring the sold stock back", async () => {
      await expire();
      proxy.latency(300); // every byte to and from the snapshot's Redis waits 300 ms
      const sentAt = performance.now();
      const reading = snapshot.read(1); // its refresh runs at about +300 ms, is answered at +600
      await new Promise((r) => setTimeout(r, 450));
      // The reservation ran after the refresh had read 3, and its reply is here before the refresh's.
      await direct.decrby(stockKey, 1);
      snapshot.observed(1, 2, sentAt);
      assertEquals(await reading, 2);
      proxy.latency(0);
      assertEquals(await snapshot.read(1), 2);
    });
  } finally {
    await client.close();
    proxy.close();
    direct.disconnect();
    await deleteKeys(REDIS_URL, prefix);
  }
});
