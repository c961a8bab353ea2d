/**
 * Group reservation (docs/design.md): attempts on one sale that arrive while a purchase call is in
 * flight share the next purchase.lua call, each decided in order with its own answer, and committed
 * rows' outbox trims ride along with it. Each test runs a redis-server of its own, so Redis's own
 * command counts (INFO commandstats) show how many calls really went.
 */
import { Redis } from "ioredis";
import type { SaleSettings } from "../../lib/domain/sale.ts";
import { Gate } from "../../lib/gate/gate.ts";
import type { Reservation } from "../../lib/gate/reservation.ts";
import { lineKeys, rateKeys } from "../../lib/gate/keys.ts";
import { loadScript, type RedisClient } from "../../lib/infra/redis/client.ts";
import { connectRest } from "../../lib/infra/redis/rest.ts";
import { connectTcp } from "../../lib/infra/redis/tcp.ts";
import { startTestApp } from "../helpers/app.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { BRIDGE_TOKEN, startBridge } from "../helpers/bridge.ts";
import { countBy, createSale, pool, purchase } from "../helpers/client.ts";
import { testPrefix } from "../helpers/env.ts";
import { RedisServer } from "../helpers/processes.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** How many times Redis ran `command` (INFO commandstats), 0 before its first run. */
async function calls(redis: Redis, command: string): Promise<number> {
  const info = await redis.info("commandstats");
  return Number(info.match(new RegExp(`cmdstat_${command}:calls=(\\d+)`))?.[1] ?? 0);
}

function settings(totalStock: number, perUserLimit: number): SaleSettings {
  const now = Date.now();
  return {
    totalStock,
    perUserLimit,
    startMs: now - 60_000,
    endMs: now + 3_600_000,
    waitingRoom: false,
  };
}

/** A live sale in Redis, as a rebuild from PostgreSQL would leave it. */
async function liveSale(gate: Gate, saleId: number, s: SaleSettings): Promise<void> {
  const held = await gate.hold(saleId, 10_000);
  assert(held, "hold taken");
  assertEquals(await gate.rebuild(saleId, held.token, "only", s.totalStock, s, []), "WRITTEN");
}

async function withGate(
  limits: { windowMs: number; perShopper: number; perClient: number },
  body: (ctx: { gate: Gate; raw: Redis; client: RedisClient; prefix: string }) => Promise<void>,
  rest = false,
): Promise<void> {
  const server = await RedisServer.start();
  const raw = new Redis(server.url);
  const bridge = rest ? await startBridge(server.url) : undefined;
  const client = bridge
    ? await connectRest({ url: bridge.url, token: BRIDGE_TOKEN, pollMs: 50 })
    : await connectTcp(server.url);
  const prefix = testPrefix();
  try {
    await body({ gate: await Gate.load(client, prefix, limits), raw, client, prefix });
  } finally {
    await client.close();
    await bridge?.close();
    raw.disconnect();
    await server.stop();
  }
}

Deno.test(
  "one batch: a retrying buyer, an over-limit quantity, a sold-out attempt, a rate-limited " +
    "shopper, a malformed attempt and valid ones each get exactly their own answer",
  opts,
  async () => {
    await withGate({ windowMs: 60_000, perShopper: 2, perClient: 0 }, async (ctx) => {
      const { gate, raw, prefix } = ctx;
      const sale = 41;
      await liveSale(gate, sale, settings(2, 2));
      const k = gate.keys(sale);
      const first = await gate.reserve(sale, "alice", "o-alice", 1);
      assert(first.code === "RESERVED", JSON.stringify(first));

      const before = await calls(raw, "evalsha");
      // Handed in in one turn of the event loop: all of them go in one call, the pilot first.
      const pilot = gate.reserve(sale, "pilot", "o-pilot", 3);
      const batch: [string, string, number][] = [
        ["alice", "o-alice-2", 1], // her retry: she has her order, still pending
        ["bob", "o-bob", 3], // above the limit of 2
        ["dave", "o-dave", 2], // 1 left: refused, the last item still sells
        ["carol", "o-carol", 1], // takes the last item
        ["carol", "o-carol-2", 1], // her retry in the same batch
        ["carol", "o-carol-3", 1], // her third attempt in the window: rate limited
        ["erin", "o-erin", 1], // nothing left
      ];
      const answers = batch.map(([u, o, q]) => gate.reserve(sale, u, o, q));
      const malformed = gate.reserve(sale, "mallory", "o-mallory", 0);
      await assertRejects(() => malformed, /malformed purchase attempt/);
      const got = await Promise.all(answers);
      assertEquals(await pilot, { code: "QUANTITY_OVER_LIMIT", limit: 2 });
      assertEquals(await calls(raw, "evalsha"), before + 1, "one call for all");

      const strip = (r: Reservation) =>
        r.code === "RESERVED"
          ? { code: r.code, remaining: r.remaining }
          : r.code === "ALREADY_PURCHASED"
          ? { code: r.code, orderId: r.buyer.orderId, pending: r.pending }
          : r.code === "RATE_LIMITED"
          ? { code: r.code, positive: r.retryAfterMs > 0 }
          : r;
      assertEquals(got.map(strip), [
        { code: "ALREADY_PURCHASED", orderId: "o-alice", pending: true },
        { code: "QUANTITY_OVER_LIMIT", limit: 2 },
        { code: "SOLD_OUT", remaining: 1 },
        { code: "RESERVED", remaining: 0 },
        { code: "ALREADY_PURCHASED", orderId: "o-carol", pending: true },
        { code: "RATE_LIMITED", positive: true },
        { code: "SOLD_OUT", remaining: 0 },
      ]);

      // What Redis holds: exactly the two reservations, nothing of the refused or malformed ones.
      assertEquals(await raw.get(k.stock), "0");
      assertEquals(Object.keys(await raw.hgetall(k.buyers)).sort(), ["alice", "carol"]);
      const outbox = await raw.xrange(k.outbox, "-", "+");
      assertEquals(outbox.map(([, f]) => f[1]), ["o-alice", "o-carol"]);
      const counter = async (u: string) => await raw.get(rateKeys(prefix, sale, u, "").shopper);
      assertEquals(
        await Promise.all(["alice", "bob", "carol", "mallory"].map(counter)),
        ["2", "1", "3", null],
      );
    });
  },
);

Deno.test(
  "purchase.lua refuses a malformed call before its first write: nothing changes at all",
  opts,
  async () => {
    await withGate({ windowMs: 60_000, perShopper: 5, perClient: 0 }, async (ctx) => {
      const { gate, raw, client, prefix } = ctx;
      const sale = 42;
      await liveSale(gate, sale, settings(5, 2));
      const k = gate.keys(sale);
      const r = await gate.reserve(sale, "alice", "o-alice", 1);
      assert(r.code === "RESERVED");
      const script = await loadScript(new URL("../../lib/gate/purchase.lua", import.meta.url));
      const rate = (u: string) => rateKeys(prefix, sale, u, "");
      const q = lineKeys(prefix, sale);
      const base = [k.meta, k.stock, k.buyers, k.outbox, q.admitted, q.states, q.meta];
      const valid = ["bob", "o-bob", 1, ""];
      const cases: [string, string[], (string | number)[]][] = [
        // a valid attempt first, a zero quantity last: the valid one must not have been reserved
        ["a zero quantity", [rate("bob").shopper, rate("bob").client, rate("x").shopper, "c"], [
          ...valid,
          "x",
          "o-x",
          0,
          "",
        ]],
        ["a fractional quantity", [rate("bob").shopper, rate("bob").client], [
          "bob",
          "o-bob",
          1.5,
          "",
        ]],
        ["a missing argument", [rate("bob").shopper, rate("bob").client], ["bob", "o-bob", 1]],
        ["an odd key count", [rate("bob").shopper], valid],
        ["an empty user id", [rate("bob").shopper, rate("bob").client], ["", "o-bob", 1, ""]],
      ];
      for (const [label, extraKeys, attempts] of cases) {
        for (const trims of [[], [r.code === "RESERVED" ? r.outboxId : ""]]) {
          await assertRejects(
            () =>
              client.evalScript(
                script,
                [...base, ...extraKeys],
                [60_000, 5, 0, trims.length, ...trims, ...attempts],
              ),
            /malformed/,
            label,
          );
        }
      }
      await assertRejects(
        () => client.evalScript(script, base, [60_000, 5, 0, 1, "x"]),
        /malformed outbox id/,
      );
      assertEquals(await raw.get(k.stock), "4");
      assertEquals(Object.keys(await raw.hgetall(k.buyers)), ["alice"]);
      assertEquals(await raw.xlen(k.outbox), 1, "no trim ran either");
      assertEquals(await raw.exists(rate("bob").shopper, rate("x").shopper), 0, "no counter");
    });
  },
);

for (const rest of [false, true]) {
  Deno.test(
    `${rest ? "REST" : "TCP"}: 200 concurrent attempts on one sale go in two calls, ` +
      "each decided once",
    opts,
    async () => {
      await withGate({ windowMs: 1000, perShopper: 0, perClient: 0 }, async ({ gate, raw }) => {
        const sale = 43;
        await liveSale(gate, sale, settings(100, 1));
        const before = await calls(raw, "evalsha");
        const got = await Promise.all(
          Array.from({ length: 200 }, (_, i) => gate.reserve(sale, `u${i}`, `o${i}`, 1)),
        );
        const used = await calls(raw, "evalsha") - before;
        assertEquals(countBy(got, (r) => r.code), { RESERVED: 100, SOLD_OUT: 100 });
        assertEquals(await raw.get(gate.keys(sale).stock), "0");
        assertEquals(await raw.hlen(gate.keys(sale).buyers), 100);
        assertEquals(await raw.xlen(gate.keys(sale).outbox), 100);
        // Handed in in one turn, they go together, at most 150 a call.
        assertEquals(used, 2, `${used} EVALSHA calls for 200 attempts`);
        assertEquals(gate.stats.batches, used);
        assertEquals(gate.batchAttempts.sum, 200);
      }, rest);
    },
  );
}

/**
 * Counts XDEL commands by who sent them, from MONITOR: the client's own, or purchase.lua's ("lua").
 * `settled()` waits until the feed has shown every command sent before it.
 */
async function xdelsBySource(raw: Redis) {
  const monitor = await raw.monitor();
  const counts = { client: 0, script: 0 };
  let marker: PromiseWithResolvers<void> | undefined;
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    const command = args[0]?.toLowerCase();
    if (command === "xdel") counts[source === "lua" ? "script" : "client"]++;
    if (command === "echo" && args[1] === "settled") marker?.resolve();
  });
  return {
    counts,
    async settled() {
      marker = Promise.withResolvers();
      await raw.echo("settled");
      await marker.promise;
    },
    stop: () => monitor.disconnect(),
  };
}

Deno.test(
  "a trim rides along with a purchase call made within TRIM_WAIT_MS; with none, the sale's " +
    "waiting trims go together in one XDEL",
  opts,
  async () => {
    await withGate({ windowMs: 1000, perShopper: 0, perClient: 0 }, async ({ gate, raw }) => {
      const sale = 44;
      await liveSale(gate, sale, settings(10, 1));
      const outbox = async () =>
        (await raw.xrange(gate.keys(sale).outbox, "-", "+")).map(([id]) => id);
      const reserved = async (userId: string) => {
        const r = await gate.reserve(sale, userId, `o-${userId}`, 1);
        assert(r.code === "RESERVED", JSON.stringify(r));
        return r.outboxId;
      };
      const [a, b, c] = [await reserved("a"), await reserved("b"), await reserved("c")];
      const xdels = await xdelsBySource(raw);
      try {
        // A's row is committed, and a purchase call comes in the same turn: A's trim rides along.
        const trimmedA = gate.trimOutbox(sale, [a]);
        const d = await reserved("d");
        await trimmedA;
        await xdels.settled();
        assertEquals(xdels.counts, { client: 0, script: 1 });
        assertEquals(await outbox(), [b, c, d]);
        assertEquals([gate.stats.trimsFolded, gate.stats.trimsFlushed], [1, 0]);

        // B's and C's rows are committed apart, and no purchase call follows: one XDEL for both.
        const trimmedB = gate.trimOutbox(sale, [b]);
        await new Promise((r) => setTimeout(r, 5));
        await Promise.all([trimmedB, gate.trimOutbox(sale, [c])]);
        await xdels.settled();
        assertEquals(xdels.counts, { client: 1, script: 1 });
        assertEquals(await outbox(), [d]);
        assertEquals([gate.stats.trimsFolded, gate.stats.trimsFlushed], [1, 2]);
      } finally {
        xdels.stop();
      }
    });
  },
);

Deno.test(
  "a rush's outbox trims ride along with the next purchase calls, and each row is trimmed once",
  opts,
  async () => {
    const redis = await RedisServer.start();
    const raw = new Redis(redis.url);
    const app = await startTestApp({ REDIS_URL: redis.url, COMMIT_WINDOW_MS: "2" });
    try {
      const sale = await createSale(app.url, { totalStock: 400 });
      const outbox = app.platform.gate.keys(sale).outbox;
      const xdels = await xdelsBySource(raw);
      // 50 shoppers at a time: purchase calls keep going while earlier purchases commit.
      const answers = await pool(400, 50, (i) => purchase(app.url, sale, `u${i}`));
      assertEquals(countBy(answers, (a) => a.result), { SUCCESS: 400 });
      // The last trims find no next call: they go alone, once, after a short wait.
      const until = Date.now() + 5_000;
      while (await raw.xlen(outbox) > 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assertEquals(await raw.xlen(outbox), 0, "every committed row left the outbox");
      const [row] = await app.sql`SELECT count(*)::int AS n FROM orders WHERE sale_id = ${sale}`;
      assertEquals(row?.n, 400);
      await xdels.settled();
      xdels.stop();
      // How many go alone depends on the machine's pauses (a gap of TRIM_WAIT_MS between purchase
      // calls): the test above pins the rule down, this one that a rush uses it.
      const { counts } = xdels;
      assert(counts.script > 0, `trims rode along with purchase calls: ${JSON.stringify(counts)}`);
      const { trimsFolded, trimsFlushed } = app.platform.gate.stats;
      assertEquals(trimsFolded + trimsFlushed, 400, "each committed row trimmed once");
    } finally {
      await app.close();
      raw.disconnect();
      await redis.stop();
    }
  },
);
