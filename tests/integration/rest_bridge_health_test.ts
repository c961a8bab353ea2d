/**
 * The REST bridge's health probe, for an orchestrator (docker-compose.yml's health check): GET
 * /health without a token answers 200 while its Redis answers PING, 503 while it does not, and
 * tells nothing else.
 */
import { assertEquals } from "../helpers/assert.ts";
import { startBridge } from "../helpers/bridge.ts";
import { RedisServer } from "../helpers/processes.ts";

Deno.test("REST bridge: GET /health answers 200 while its Redis answers, 503 while it is away", async () => {
  const redis = await RedisServer.start();
  const bridge = await startBridge(redis.url);
  const health = async () => {
    const res = await fetch(`${bridge.url}/health`);
    return [res.status, await res.json()];
  };
  try {
    assertEquals(await health(), [200, { status: "ok" }]);
    await redis.kill();
    assertEquals(await health(), [503, { status: "down" }]);
    await redis.restart();
    let answer = await health();
    for (let i = 0; i < 50 && answer[0] !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await health();
    }
    assertEquals(answer, [200, { status: "ok" }]);
    // Everything else still needs the token.
    assertEquals((await fetch(`${bridge.url}/`, { method: "POST", body: '["PING"]' })).status, 401);
  } finally {
    await bridge.close();
    await redis.stop();
  }
});
