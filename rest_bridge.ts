import { Redis } from "ioredis";
import { loadConfig } from "./lib/infra/config.ts";
import { bridgeHandler } from "./lib/infra/redis/bridge.ts";

/** `deno task rest-bridge`: the Upstash-compatible REST endpoint in front of REDIS_URL. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.REST_BRIDGE_TOKEN) {
    throw new Error("REST_BRIDGE_TOKEN is not set: the bridge never serves without a token");
  }
  // Fail fast while Redis is away (the client gets a 503 and retries), as the app's TCP adapter.
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
  });
  redis.on("error", () => {/* answered as 503 to each request meanwhile */});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis is unreachable at REDIS_URL: ${(error as Error).message}`);
  }
  const server = Deno.serve({
    port: config.REST_BRIDGE_PORT,
    hostname: "0.0.0.0",
    onListen: ({ port }) => console.log(`rest bridge listening on :${port} (pid ${Deno.pid})`),
  }, bridgeHandler(redis, config.REST_BRIDGE_TOKEN));

  const stop = async () => {
    await server.shutdown();
    redis.disconnect();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}

try {
  await main();
} catch (error) {
  console.error(`cannot start: ${(error as Error).message}`);
  Deno.exit(1);
}
