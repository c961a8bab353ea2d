import { Redis } from "ioredis";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { adminAction, createSale, pool, purchase } from "../helpers/client.ts";
import { History, ITERATIONS } from "../helpers/history.ts";
import { verdict } from "../helpers/invariants.ts";
import { RedisServer } from "../helpers/processes.ts";
import { redisLossMidSale } from "../helpers/scenarios.ts";

Deno.test("Redis loses everything mid-sale (FLUSHDB): rebuilt from PostgreSQL, sold exactly once", async () => {
  const redisServer = await RedisServer.start();
  const app = await startTestApp({ REDIS_URL: redisServer.url });
  const direct = new Redis(redisServer.url);
  try {
    await redisLossMidSale(app, direct, redisServer.url);
  } finally {
    direct.disconnect();
    await app.close();
    await redisServer.stop();
  }
});

Deno.test("reconcile repairs drifted stock and reports it", async () => {
  const app = await startTestApp();
  const direct = new Redis(app.config.REDIS_URL);
  try {
    const saleId = await createSale(app.url, { totalStock: 20 });
    await pool(5, 5, (i) => purchase(app.url, saleId, `d-${i}`));
    const keys = app.platform.gate.keys(saleId);
    await direct.set(keys.stock, "999");
    const res = await adminAction(app.url, saleId, "reconcile");
    assertEquals(res.status, 200);
    assertEquals(res.body.drift.stockBefore, 999);
    assertEquals(res.body.drift.stockAfter, 15);
    assertEquals(res.body.drift.repaired, true);
    const clean = await adminAction(app.url, saleId, "reconcile");
    assertEquals([clean.body.drift.repaired, clean.body.drift.stockAfter], [false, 15]);
  } finally {
    direct.disconnect();
    await app.close();
  }
});

/** A rush against an app over a Redis of the test's own, with `fault` in the middle of it. */
/** The stock key in the test's own Redis (one sale lives there). */
async function stockKey(redis: Redis): Promise<string> {
  const [key] = await redis.keys("*:stock");
  if (!key) throw new Error("no sale in this Redis");
  return key;
}

/**
 * A rush on a sale of `stock` items, in a Redis of the test's own, with `fault` striking once
 * 20–50 % of the stock is sold. A fault that must meet requests needs a sale that outlasts it.
 */
async function rushThrough(
  name: string,
  redisArgs: string[],
  fault: (redis: RedisServer, h: History) => Promise<void>,
  options: { stock?: number; redisLostData?: boolean } = {},
): Promise<History> {
  const stock = options.stock ?? 600;
  const redisServer = await RedisServer.start(redisArgs);
  const app = await startTestApp({ REDIS_URL: redisServer.url });
  const h = new History(name);
  try {
    const saleId = await createSale(app.url, { totalStock: stock });
    await h.rushAround(app.url, saleId, stock, () => fault(redisServer, h));
    await h.check(app.sql, redisServer.url, app.prefix, saleId, {
      redisLostData: options.redisLostData ?? false,
    });
    return h;
  } finally {
    await app.close();
    await redisServer.stop();
  }
}

Deno.test("Redis killed mid-rush and restarted with appendonly yes: the history checks out", async () => {
  for (let i = 0; i < ITERATIONS; i++) {
    let left = 0;
    const h = await rushThrough(
      "redis-aof",
      ["--appendonly", "yes", "--save", ""],
      async (r) => {
        const direct = new Redis(r.url);
        left = Number(await direct.get(await stockKey(direct)));
        direct.disconnect();
        await r.kill();
        await new Promise((resolve) => setTimeout(resolve, 300));
        await r.restart();
      },
      { stock: 4000 },
    );
    // A rush that sold out before the fault answers from the local sold-out hint: nothing asks
    // Redis then. With stock left (more than the few items that sell between the read and the
    // kill), requests must have met the dead Redis.
    assert(
      left <= 10 || h.attempts.some((a) => verdict(a) === "indeterminate"),
      `some requests met no Redis (${left} left when it died)`,
    );
  }
});

Deno.test("Redis FLUSHALL mid-rush: nothing sold before the rebuild, the history checks out", async () => {
  for (let i = 0; i < ITERATIONS; i++) {
    const h = await rushThrough("redis-flushall", [], async (r) => {
      const direct = new Redis(r.url);
      try {
        await direct.flushall();
      } finally {
        direct.disconnect();
      }
    }, { redisLostData: true });
    assert(h.attempts.some((a) => a.result === "SALE_REBUILDING"), "purchases waited for it");
  }
});

Deno.test("Redis restarted from a stale snapshot: rebuilt before any sale, the history checks out", async () => {
  for (let i = 0; i < ITERATIONS; i++) {
    let restartedAt = Infinity;
    const h = await rushThrough(
      "redis-stale",
      ["--save", "", "--appendonly", "no"],
      async (r, h) => {
        const direct = new Redis(r.url);
        const stale = `${r.dir}/stale.rdb`;
        try {
          await direct.save();
          await Deno.copyFile(`${r.dir}/dump.rdb`, stale);
        } finally {
          direct.disconnect();
        }
        // Sales go on past the snapshot, so it misses buyers and holds too much stock.
        await new Promise((resolve) => setTimeout(resolve, 400));
        await r.kill();
        await Deno.copyFile(stale, `${r.dir}/dump.rdb`);
        await r.restart();
        restartedAt = h.attempts.length;
      },
      { redisLostData: true },
    );
    // The restored keys exist, yet the first purchases after the restart were held back.
    assert(
      h.attempts.slice(restartedAt).some((a) => a.result === "SALE_REBUILDING"),
      "purchases after the restart waited for the rebuild",
    );
  }
});

Deno.test("Redis paused (CLIENT PAUSE 3000 ALL) mid-rush: no answer hangs, retries buy once", async () => {
  for (let i = 0; i < ITERATIONS; i++) {
    let left = 0;
    const h = await rushThrough("redis-pause", [], async (r) => {
      const direct = new Redis(r.url);
      try {
        // One transaction: the stock read is the stock at the very moment the pause begins.
        const key = await stockKey(direct);
        const replies = await direct.multi().call("CLIENT", "PAUSE", "3000", "ALL").get(key).exec();
        left = Number(replies?.[1]?.[1]);
        await new Promise((resolve) => setTimeout(resolve, 3000));
      } finally {
        direct.disconnect();
      }
    }, { stock: 4000 });
    const slowest = Math.max(...h.attempts.map((a) => a.ms));
    // Redis commands give up after 2 s (lib/infra/redis/tcp.ts), so no answer waits out the pause.
    assert(slowest < 4000, `every answer came within 4 s (slowest ${slowest.toFixed(0)} ms)`);
    assert(
      left === 0 || h.attempts.some((a) => verdict(a) === "indeterminate"),
      `some requests met the pause (${left} left when it began)`,
    );
  }
});
