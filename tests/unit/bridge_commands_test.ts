import { allowedOverRest } from "../../lib/infra/redis/bridge.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

Deno.test("the REST bridge allows every command the REST adapter sends, and no other", async () => {
  // A command added to the adapter and not to the bridge would fail only in REST deployments.
  const source = await Deno.readTextFile(new URL("../../lib/infra/redis/rest.ts", import.meta.url));
  const sent = new Set([
    ...[...source.matchAll(/\["([A-Z]+)"/g)].map((m) => m[1]!),
    ...[...source.matchAll(/redis\.(evalsha|eval)\b/g)].map((m) => m[1]!.toUpperCase()),
  ]);
  assert(sent.size >= 8, [...sent].join(" "));
  for (const name of sent) assert(allowedOverRest([name, "x"]), name);

  // @upstash/redis's script helpers.
  assert(allowedOverRest(["SCRIPT", "LOAD", "return 1"]));
  assert(allowedOverRest(["script", "exists", "0123"]));
  const refused = [
    ["FLUSHALL"],
    ["SCRIPT", "FLUSH"],
    ["SCRIPT"],
    ["CONFIG", "GET", "maxmemory"],
    ["KEYS", "*"],
    ["SHUTDOWN"],
    ["DEBUG", "SLEEP", "0"],
    ["SET", "k", "v"],
  ] as [string, ...string[]][];
  assertEquals(refused.filter((c) => allowedOverRest(c)), []);
});
