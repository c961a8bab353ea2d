import { Redis } from "ioredis";
import { bridgeHandler } from "../../lib/infra/redis/bridge.ts";
import { freePort, REDIS_URL } from "./env.ts";

export const BRIDGE_TOKEN = "test-bridge-token-0123456789";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface Bridge {
  url: string;
  /** The environment that points the app's REST adapter at this bridge. */
  env: Record<string, string>;
  close(): Promise<void>;
}

function restEnv(url: string): Record<string, string> {
  return { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: BRIDGE_TOKEN };
}

/** The REST bridge inside the test's own process, on a free port, in front of `redisUrl`. */
export async function startBridge(redisUrl = REDIS_URL): Promise<Bridge> {
  const redis = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false });
  redis.on("error", () => {});
  await redis.connect();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    bridgeHandler(redis, BRIDGE_TOKEN),
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    env: restEnv(url),
    async close() {
      await server.shutdown();
      redis.disconnect();
    },
  };
}

/** `deno task rest-bridge` as a child process, so a test can kill it and start it again. */
export class BridgeProcess {
  private child: Deno.ChildProcess | undefined;
  readonly port = freePort();

  constructor(private readonly redisUrl = REDIS_URL) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get env(): Record<string, string> {
    return restEnv(this.url);
  }

  async start(): Promise<void> {
    this.child = new Deno.Command(Deno.execPath(), {
      // `deno run` itself (not `deno task`), so SIGKILL reaches the bridge and not a wrapper.
      args: ["run", "-A", "rest_bridge.ts"],
      cwd: ROOT,
      env: {
        REDIS_URL: this.redisUrl,
        REST_BRIDGE_PORT: String(this.port),
        REST_BRIDGE_TOKEN: BRIDGE_TOKEN,
      },
      stdout: "null",
      stderr: "null",
    }).spawn();
    const until = Date.now() + 30_000;
    for (;;) {
      try {
        const res = await fetch(this.url, { method: "POST", body: "[]" });
        await res.body?.cancel();
        if (res.status === 401) return;
      } catch { /* not listening yet */ }
      if (Date.now() > until) throw new Error("the REST bridge did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async kill(): Promise<void> {
    if (!this.child) return;
    try {
      this.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.child.status;
    this.child = undefined;
  }
}
