/**
 * One contract for the Redis interface, run against both adapters: TCP directly, and REST
 * (@upstash/redis) through the REST bridge. Every call the platform makes, the scripts' result codes
 * through the Gate, values that must survive byte for byte, and errors.
 */
import type { SaleSettings } from "../../lib/domain/sale.ts";
import { Gate } from "../../lib/gate/gate.ts";
import {
  type RedisClient,
  RedisUnavailableError,
  type Script,
  sha1Hex,
} from "../../lib/infra/redis/client.ts";
import { connectRest } from "../../lib/infra/redis/rest.ts";
import { connectTcp } from "../../lib/infra/redis/tcp.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { deleteKeys } from "../helpers/app.ts";
import { BRIDGE_TOKEN, startBridge } from "../helpers/bridge.ts";
import { freePort, REDIS_URL, testPrefix } from "../helpers/env.ts";

interface Adapter {
  name: string;
  open(): Promise<{ client: RedisClient; close(): Promise<void> }>;
}

const ADAPTERS: Adapter[] = [
  {
    name: "TCP",
    async open() {
      const client = await connectTcp(REDIS_URL);
      return { client, close: () => client.close() };
    },
  },
  {
    name: "REST via the bridge",
    async open() {
      const bridge = await startBridge();
      const client = await connectRest({ url: bridge.url, token: BRIDGE_TOKEN, pollMs: 50 });
      return {
        client,
        async close() {
          await client.close();
          await bridge.close();
        },
      };
    },
  },
];

/** Text that breaks naive transports: NUL and every control byte, quotes, JSON, CRLF, non-BMP. */
const AWKWARD = [
  "",
  "plain",
  Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("") + "\x7f",
  `"quoted" 'single' \\back\\slash {"json":[1,2]} $*3\r\n+OK\r\n`,
  "héllo wörld — ünïcödé 価格 😀🛒 𝄞",
  "T0s=", // looks like base64 of "OK": must not be decoded twice
  "OK",
  "x".repeat(100_000),
];

async function script(source: string): Promise<Script> {
  return { name: "contract.lua", source, sha: await sha1Hex(source) };
}

/** A script the server has never seen, so EVALSHA meets NOSCRIPT first. */
async function fresh(body: string): Promise<Script> {
  return await script(`-- ${crypto.randomUUID()}\n${body}`);
}

const SET = await script("return redis.call('SET', KEYS[1], ARGV[1])");
const HSET = await script("return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])");
const XADD = await script("return redis.call('XADD', KEYS[1], '*', 'o', ARGV[1], 'u', ARGV[2])");

function settings(overrides: Partial<SaleSettings> = {}): SaleSettings {
  const now = Date.now();
  return {
    totalStock: 3,
    perUserLimit: 2,
    startMs: now - 60_000,
    endMs: now + 3_600_000,
    waitingRoom: false,
    ...overrides,
  };
}

for (const adapter of ADAPTERS) {
  const test = (name: string, body: (client: RedisClient, prefix: string) => Promise<void>) =>
    Deno.test(`Redis contract (${adapter.name}): ${name}`, async () => {
      const { client, close } = await adapter.open();
      const prefix = testPrefix();
      try {
        await body(client, prefix);
      } finally {
        await close();
        await deleteKeys(REDIS_URL, prefix);
      }
    });

  test("ping, and get/del on missing keys", async (client, p) => {
    await client.ping();
    assertEquals(await client.get(`${p}:missing`), null);
    assertEquals(await client.del(`${p}:missing`), 0);
  });

  test("values round-trip byte for byte through scripts and GET", async (client, p) => {
    for (const [i, value] of AWKWARD.entries()) {
      assertEquals(await client.evalScript(SET, [`${p}:v${i}`], [value]), "OK");
      assertEquals(await client.get(`${p}:v${i}`), value, `value ${i}`);
    }
    // Keys are just as safe.
    const key = `${p}:ключ:😀:\x00:{tag}`;
    await client.evalScript(SET, [key], ["k"]);
    assertEquals(await client.get(key), "k");
    assertEquals(await client.del(key, `${p}:v0`, `${p}:v1`, `${p}:nope`), 3);
    assertEquals(await client.get(key), null);
  });

  test("EVALSHA falls back to EVAL on NOSCRIPT; replies keep their types", async (client, p) => {
    const s = await fresh(
      "return {1, -2, ARGV[1], {KEYS[1], {3, 'deep'}}, redis.call('GET', KEYS[1]), 'tail'}",
    );
    const first = await client.evalScript(s, [`${p}:k`], ["é😀"]);
    // GET of a missing key is Lua false, which Redis sends as a nil inside the array.
    assertEquals(first, [1, -2, "é😀", [`${p}:k`, [3, "deep"]], null, "tail"]);
    await client.evalScript(SET, [`${p}:k`], ["v"]);
    // Now the script is cached: EVALSHA answers directly, with the same shapes.
    assertEquals(await client.evalScript(s, [`${p}:k`], [42]), [
      1,
      -2,
      "42",
      [`${p}:k`, [3, "deep"]],
      "v",
      "tail",
    ]);
    assertEquals(await client.evalScript(await fresh("return nil"), [], []), null);
    assertEquals(await client.evalScript(await fresh("return 7"), [], []), 7);
    assertEquals(await client.evalScript(await fresh("return 'OK'"), [], []), "OK");
    assertEquals(await client.evalScript(await fresh("return {}"), [], []), []);
  });

  test(
    "errors: a script's error reply and WRONGTYPE reject with Redis's text",
    async (client, p) => {
      const failing = await fresh("return redis.error_reply('CUSTOM went wrong')");
      await assertRejects(client.evalScript(failing, [], []), /CUSTOM went wrong/);
      await client.evalScript(HSET, [`${p}:h`], ["f", "v"]);
      await assertRejects(client.get(`${p}:h`), (error: Error) => {
        assert(/WRONGTYPE/.test(error.message), error.message);
        assert(!(error instanceof RedisUnavailableError), "a reply error is not an outage");
        // The REST client appends the whole command to its errors; the adapter keeps Redis's text.
        assert(!error.message.includes("command was"), error.message);
        return true;
      });
      await assertRejects(client.evalScript(await fresh("return redis.call('NOPE')"), [], []));
    },
  );

  test("hashes: hgetall and hlen, byte for byte, {} and 0 when missing", async (client, p) => {
    assertEquals(await client.hgetall(`${p}:no-hash`), {});
    assertEquals(await client.hlen(`${p}:no-hash`), 0);
    for (const [i, value] of AWKWARD.entries()) {
      await client.evalScript(HSET, [`${p}:h`], [`f${i}:${AWKWARD[4]}`, value]);
    }
    await client.evalScript(HSET, [`${p}:h`], [AWKWARD[3]!, "12.5"]);
    assertEquals(await client.hlen(`${p}:h`), AWKWARD.length + 1);
    assertEquals(await client.hgetall(`${p}:h`), {
      ...Object.fromEntries(AWKWARD.map((v, i) => [`f${i}:${AWKWARD[4]}`, v])),
      [AWKWARD[3]!]: "12.5",
    });
  });

  test("streams: xrange pages oldest first, xdel trims", async (client, p) => {
    const key = `${p}:stream`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(String(await client.evalScript(XADD, [key], [`order-${i}`, AWKWARD[4]!])));
    }
    const firstTwo = await client.xrange(key, "-", "+", 2);
    assertEquals(firstTwo, [
      { id: ids[0]!, fields: { o: "order-0", u: AWKWARD[4]! } },
      { id: ids[1]!, fields: { o: "order-1", u: AWKWARD[4]! } },
    ]);
    assertEquals((await client.xrange(key, "-", ids[2]!, 100)).length, 3);
    // A bare epoch ms bounds the range as the sweeper uses it.
    assertEquals((await client.xrange(key, "-", String(Date.now() + 60_000), 100)).length, 5);
    assertEquals(await client.xlen(key), 5);
    assertEquals(await client.xdel(key, [ids[0]!, ids[1]!, "1-1"]), 2);
    assertEquals(await client.xlen(key), 3);
    assertEquals(await client.xlen(`${p}:no-stream`), 0);
    assertEquals(await client.xdel(key, []), 0);
    assertEquals((await client.xrange(key, "-", "+", 100)).map((e) => e.id), ids.slice(2));
    assertEquals(await client.xrange(`${p}:no-stream`, "-", "+", 10), []);
  });

  test("publish reaches subscribers until they unsubscribe", async (client, p) => {
    const channel = `${p}:sales`;
    const got: string[] = [];
    const other: string[] = [];
    const unsubscribe = await client.subscribe(channel, (m) => got.push(m));
    const unsubscribeOther = await client.subscribe(channel, (m) => other.push(m));
    await client.publish(channel, "17");
    await client.publish(channel, AWKWARD[4]!);
    const until = Date.now() + 10_000;
    while ((got.length < 2 || other.length < 2) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assertEquals(got, ["17", AWKWARD[4]!]);
    assertEquals(other, got);
    await unsubscribe();
    await client.publish(channel, "18");
    const until2 = Date.now() + 10_000;
    while (other.length < 3 && Date.now() < until2) await new Promise((r) => setTimeout(r, 20));
    assertEquals(other, ["17", AWKWARD[4]!, "18"]);
    assertEquals(got, ["17", AWKWARD[4]!], "an unsubscribed handler hears nothing more");
    await unsubscribeOther();
  });

  test(
    "the Gate's scripts: every result code of purchase, release, configure, hold, rebuild",
    async (client, p) => {
      const gate = await Gate.load(client, p);
      const sale = 7;
      // No state yet: purchases wait for a rebuild; an admin change asks for one.
      assertEquals(await gate.reserve(sale, "u1", "o1", 1), { code: "SALE_REBUILDING" });
      assertEquals(await gate.configure(sale, settings()), { code: "SALE_REBUILDING" });
      assertEquals(await gate.readStock(sale), null);

      const held = await gate.hold(sale, 10_000);
      assert(held, "hold taken");
      assertEquals([held.hadState, held.stock, held.buyers, held.outbox], [false, null, 0, 0]);
      assertEquals(await gate.hold(sale, 10_000), null, "a second rebuild is refused");
      assertEquals(await gate.renew(sale, held.token, 10_000), true);
      assertEquals(await gate.renew(sale, "other", 10_000), false);
      assertEquals(await gate.rebuild(sale, "other", "only", 3, settings(), []), "LEASE_LOST");
      // A settings change during the rebuild: its last step reads PostgreSQL again first.
      assertEquals(await gate.configure(sale, settings()), { code: "SALE_REBUILDING" });
      assertEquals(
        await gate.rebuild(sale, held.token, "only", 3, settings(), []),
        "SETTINGS_CHANGED",
      );
      assertEquals(await gate.rebuild(sale, held.token, "only", 3, settings(), []), "WRITTEN");
      assertEquals(await gate.readStock(sale), 3);
      // A failed rebuild: "close" leaves the sale closed, "abort" reopens a complete state.
      const next = await gate.hold(sale, 10_000);
      assert(next && BigInt(next.token) > BigInt(held.token), "fencing tokens only grow");
      await gate.abandon(sale, next.token, false);
      assertEquals(await gate.configure(sale, settings()), { code: "SALE_REBUILDING" });
      const third = await gate.hold(sale, 10_000);
      assert(third, "the closed sale's lease was let go");
      await gate.abandon(sale, third.token, true);
      assertEquals(await gate.configure(sale, settings()), { code: "APPLIED", remaining: 3 });

      const r1 = await gate.reserve(sale, "shopper-é😀", "order-1", 2);
      assert(r1.code === "RESERVED", JSON.stringify(r1));
      assertEquals(r1.remaining, 1);
      const again = await gate.reserve(sale, "shopper-é😀", "order-2", 1);
      assert(again.code === "ALREADY_PURCHASED", JSON.stringify(again));
      assertEquals([again.buyer.orderId, again.buyer.quantity], ["order-1", 2]);
      assertEquals(await gate.reserve(sale, "u2", "order-3", 3), {
        code: "QUANTITY_OVER_LIMIT",
        limit: 2,
      });
      assertEquals(await gate.reserve(sale, "u2", "order-3", 2), {
        code: "SOLD_OUT",
        remaining: 1,
      });

      const outbox = await gate.readOutbox(sale, "+", 10);
      assertEquals(outbox.map((o) => [o.id, o.userId, o.quantity, o.outboxId]), [
        ["order-1", "shopper-é😀", 2, r1.outboxId],
      ]);
      assertEquals(await gate.release(sale, "shopper-é😀", "order-1", 2, null, r1.outboxId), true);
      assertEquals(await gate.release(sale, "shopper-é😀", "order-1", 2, null, r1.outboxId), false);
      assertEquals(await gate.readStock(sale), 3);
      await gate.trimOutbox(sale, [r1.outboxId]);
      assertEquals(await gate.readOutbox(sale, "+", 10), []);

      assertEquals(await gate.configure(sale, settings({ totalStock: 5 })), {
        code: "APPLIED",
        remaining: 5,
      });
      const r2 = await gate.reserve(sale, "u3", "order-4", 2);
      assert(r2.code === "RESERVED");
      assertEquals(await gate.configure(sale, settings({ totalStock: 1 })), {
        code: "BELOW_RESERVED",
        reserved: 2,
      });
      const later = Date.now() + 3_600_000;
      await gate.configure(sale, settings({ totalStock: 5, startMs: later, endMs: later + 1000 }));
      assertEquals(await gate.reserve(sale, "u4", "order-5", 1), { code: "NOT_STARTED" });
      await gate.configure(sale, settings({ totalStock: 5, startMs: 0, endMs: 1000 }));
      assertEquals(await gate.reserve(sale, "u4", "order-5", 1), { code: "ENDED" });
      await gate.clearOutbox(sale);
      assertEquals(await gate.readOutbox(sale, "+", 10), []);
    },
  );
}

Deno.test("REST adapter: an endpoint that is not there fails fast as RedisUnavailableError", async () => {
  const started = Date.now();
  await assertRejects(
    connectRest({ url: `http://127.0.0.1:${freePort()}`, token: BRIDGE_TOKEN, pollMs: 50 }),
    RedisUnavailableError,
  );
  assert(Date.now() - started < 5_000, "no retries with backoff behind the caller's back");
});

Deno.test("REST adapter: a wrong token is refused, not taken for an outage", async () => {
  const bridge = await startBridge();
  try {
    await assertRejects(
      connectRest({ url: bridge.url, token: "wrong-token-0123456789", pollMs: 50 }),
      (error: Error) =>
        !(error instanceof RedisUnavailableError) && /Unauthorized/.test(error.message),
    );
  } finally {
    await bridge.close();
  }
});

Deno.test("REST bridge: the Upstash REST protocol on the wire", async () => {
  const bridge = await startBridge();
  const prefix = testPrefix();
  const auth = { authorization: `Bearer ${BRIDGE_TOKEN}` };
  const post = async (path: string, body: string, headers: Record<string, string> = auth) => {
    const res = await fetch(bridge.url + path, { method: "POST", headers, body });
    return { status: res.status, body: await res.json() };
  };
  try {
    assertEquals(await post("/", '["PING"]', {}), { status: 401, body: { error: "Unauthorized" } });
    assertEquals((await post("/", '["PING"]', { authorization: "Bearer nope" })).status, 401);
    assertEquals((await post("/", '["PING"]', { authorization: BRIDGE_TOKEN })).status, 401);
    assertEquals(await post("/", '["PING"]'), { status: 200, body: { result: "PONG" } });
    const get = await fetch(bridge.url, { headers: auth });
    assertEquals([get.status, get.headers.get("allow")], [405, "POST"]);
    await get.body?.cancel();

    // Malformed commands: 400 with an error body, nothing sent to Redis.
    for (const body of ["not json", "[]", "{}", '"GET"', "[1, null]", '["GET", {"k": 1}]']) {
      const res = await post("/", body);
      assertEquals(res.status, 400, body);
      assert(typeof res.body.error === "string", body);
    }
    assertEquals((await post("/", '["SUBSCRIBE", "ch"]')).status, 400);
    assertEquals((await post("/pipeline", "[]")).status, 400);
    assertEquals((await post("/pipeline", '[["PING"], "GET"]')).status, 400);
    assertEquals((await post("/nowhere", '["PING"]')).status, 404);

    // A Redis error reply is a 400 with Redis's text.
    const wrong = await post("/", '["GET"]');
    assertEquals(wrong.status, 400);
    assert(/wrong number of arguments/i.test(wrong.body.error), wrong.body.error);

    // Numbers are arguments too; replies are plain, or base64 when the client asks. (The bridge
    // serves only the platform's commands: values are written by scripts, as the platform does.)
    const k = `${prefix}:k`;
    const set = "return redis.call('SET', KEYS[1], ARGV[1])";
    assertEquals(await post("/", JSON.stringify(["EVAL", set, 1, k, 12])), {
      status: 200,
      body: { result: "OK" },
    });
    assertEquals((await post("/", JSON.stringify(["GET", k]))).body, { result: "12" });
    assertEquals(
      (await post("/", JSON.stringify(["GET", k]), { ...auth, "upstash-encoding": "base64" })).body,
      { result: btoa("12") },
    );

    // Pipeline: in order, each command its own outcome.
    assertEquals(
      await post(
        "/pipeline",
        JSON.stringify([
          ["EVAL", "return redis.call('INCR', KEYS[1])", 1, k],
          ["XLEN", k],
          ["GET", k],
          ["GET", `${k}:none`],
        ]),
      ),
      {
        status: 200,
        body: [
          { result: 13 },
          {
            error: "WRONGTYPE Operation against a key holding the wrong kind of value",
          },
          { result: "13" },
          { result: null },
        ],
      },
    );
    // Multi-exec: atomic, nested replies encoded all the way down.
    const s = `${prefix}:s`;
    assertEquals(
      await post(
        "/multi-exec",
        JSON.stringify([["XADD", s, "1-1", "f", "é"], ["XRANGE", s, "-", "+"], ["DEL", s]]),
        { ...auth, "upstash-encoding": "base64" },
      ),
      {
        status: 200,
        body: [
          { result: btoa("1-1") },
          { result: [[btoa("1-1"), [btoa("f"), "w6k="]]] },
          { result: 1 },
        ],
      },
    );
    // A command Redis refuses to queue discards the whole transaction.
    const aborted = await post("/multi-exec", JSON.stringify([["DEL", k], ["GET"]]));
    assertEquals(aborted.status, 400);
    assert(/EXECABORT|wrong number of arguments/i.test(aborted.body.error), aborted.body.error);
    assertEquals((await post("/", JSON.stringify(["GET", k]))).body, { result: "13" });
  } finally {
    await bridge.close();
    await deleteKeys(REDIS_URL, prefix);
  }
});
