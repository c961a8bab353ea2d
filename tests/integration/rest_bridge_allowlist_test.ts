/**
 * The REST bridge's token opens only what the platform uses: every other command is refused by
 * the bridge before it reaches Redis, alone, in a pipeline or in a transaction. Run against a
 * Redis of the test's own, so a bridge that let FLUSHALL or SHUTDOWN through harms nothing else.
 */
import { Redis } from "ioredis";
import { assert, assertEquals } from "../helpers/assert.ts";
import { BRIDGE_TOKEN, startBridge } from "../helpers/bridge.ts";
import { RedisServer } from "../helpers/processes.ts";

const REFUSED: string[][] = [
  ["FLUSHALL"],
  ["flushdb", "ASYNC"],
  ["CONFIG", "SET", "maxmemory", "1mb"],
  ["CONFIG", "GET", "*"],
  ["DEBUG", "SLEEP", "0"],
  ["KEYS", "*"],
  ["SCAN", "0"],
  ["SCRIPT", "FLUSH"],
  ["SCRIPT", "KILL"],
  ["SET", "canary", "overwritten"],
  ["RENAME", "canary", "gone"],
  ["SWAPDB", "0", "1"],
  ["CLIENT", "KILL", "TYPE", "normal"],
  ["ACL", "SETUSER", "intruder", "on", ">pw", "+@all"],
  ["MODULE", "LOAD", "/tmp/x.so"],
  ["REPLICAOF", "127.0.0.1", "1"],
  ["BGSAVE"],
  ["SUBSCRIBE", "ch"],
  ["MULTI"],
  ["SHUTDOWN", "NOSAVE"],
];

Deno.test("REST bridge: commands the platform does not use are refused, and nothing is harmed", async () => {
  const redisServer = await RedisServer.start();
  const direct = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  direct.on("error", () => {});
  const bridge = await startBridge(redisServer.url);
  const auth = { authorization: `Bearer ${BRIDGE_TOKEN}` };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(bridge.url + path, {
      method: "POST",
      headers: auth,
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  try {
    await direct.set("canary", "alive");
    const maxmemory = await direct.config("GET", "maxmemory");

    const failures: string[] = [];
    const refusedWell = (label: string, answer: { status: number; body: unknown }) => {
      const error = (answer.body as { error?: unknown }).error;
      if (
        answer.status !== 400 || typeof error !== "string" ||
        !/not allowed by the REST bridge/.test(error)
      ) {
        failures.push(`${label}: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    };
    for (const command of REFUSED) refusedWell(command.join(" "), await post("/", command));
    // Mixed with allowed commands: the whole request is refused, none of it runs.
    refusedWell(
      "pipeline",
      await post("/pipeline", [["DEL", "canary"], ["FLUSHALL"], ["PING"]]),
    );
    refusedWell(
      "multi-exec",
      await post("/multi-exec", [["DEL", "canary"], ["CONFIG", "SET", "maxmemory", "1mb"]]),
    );
    assertEquals(failures, []);

    // Nothing was flushed, changed or shut down: the test's own key is still there.
    assertEquals(await direct.get("canary"), "alive");
    assertEquals(await direct.config("GET", "maxmemory"), maxmemory);
    assertEquals(await direct.ping(), "PONG");

    // What the platform uses still passes, scripts included (EVALSHA, EVAL, SCRIPT LOAD/EXISTS).
    assertEquals(await post("/", ["GET", "canary"]), { status: 200, body: { result: "alive" } });
    const source = "return ARGV[1]";
    const loaded = await post("/", ["SCRIPT", "LOAD", source]);
    assertEquals(loaded.status, 200);
    const sha = loaded.body.result as string;
    assertEquals((await post("/", ["script", "exists", sha])).body, { result: [1] });
    assertEquals((await post("/", ["EVALSHA", sha, 0, "x"])).body, { result: "x" });
    assertEquals((await post("/", ["EVAL", source, 0, "y"])).body, { result: "y" });
    assertEquals(
      (await post("/pipeline", [["XADD", "s", "*", "m", "1"], ["XLEN", "s"], ["DEL", "s"]])).body
        .map((r: { result?: unknown }) => r.result !== undefined),
      [true, true, true],
    );
    assert((await post("/", ["PING"])).body.result === "PONG");
  } finally {
    direct.disconnect();
    await bridge.close();
    await redisServer.stop();
  }
});
