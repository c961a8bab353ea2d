import { Redis } from "ioredis";
import { freePort, run, tail } from "./local_process.ts";
import { StartupError } from "./startup_error.ts";

/** A redis-server of this process's own, on 127.0.0.1, with its append-only file in `dir`. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly version: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/** Where the port of the running server is noted, to find one a killed process left behind. */
const portFile = (dir: string) => `${dir}/port`;

/**
 * One PING-like command to 127.0.0.1:port, or undefined when nothing (or no Redis) answers. No
 * retries: the caller polls.
 */
async function ask(port: number, ...command: [string, ...string[]]): Promise<unknown> {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return await client.call(...command);
  } catch (error) {
    return error instanceof Error ? error : undefined;
  } finally {
    client.disconnect();
  }
}

/**
 * A redis-server that a killed process left running on `dir` (its AOF would be written by two
 * servers at once) is shut down: it is the one at the port noted there whose `dir` is ours.
 */
async function shutDownLeftOver(dir: string): Promise<void> {
  const port = Number(await Deno.readTextFile(portFile(dir)).catch(() => ""));
  if (!port) return;
  const reply = await ask(port, "CONFIG", "GET", "dir");
  if (!Array.isArray(reply) || reply[1] !== dir) return;
  await ask(port, "SHUTDOWN");
  for (let i = 0; i < 100 && await ask(port, "PING") === "PONG"; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the machine's `redis-server` (from PATH) on a free loopback port, AOF on, its files in
 * `dir` (kept between starts: the next start replays the AOF). It runs detached, in a session of
 * its own, so a Ctrl-C in the terminal reaches the server processes, which drain into it, and not
 * Redis; `stop()` ends it (SIGTERM: Redis flushes the AOF and exits).
 */
export async function startPrivateRedis(dir: string): Promise<PrivateRedis> {
  const probe = await run("redis-server", ["--version"]);
  if (probe.code !== 0) {
    throw new StartupError(
      "no redis-server on this machine for the embedded Redis: install one " +
        "(sudo apt-get install redis-server, or brew install redis), or set REDIS_URL",
    );
  }
  const version = /v=(\S+)/.exec(probe.stdout)?.[1] ?? "unknown";
  await Deno.mkdir(dir, { recursive: true });
  const abs = await Deno.realPath(dir);
  await shutDownLeftOver(abs);

  const port = freePort();
  const log = `${abs}/redis.log`;
  const child = new Deno.Command("redis-server", {
    args: [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--dir",
      abs,
      "--appendonly",
      "yes",
      // The AOF alone: no snapshots besides it.
      "--save",
      "",
      "--logfile",
      log,
      "--daemonize",
      "no",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  let exited = false;
  void child.status.then(() => exited = true);
  await Deno.writeTextFile(portFile(abs), `${port}\n`);

  const until = Date.now() + READY_TIMEOUT_MS;
  // LOADING while it replays a long AOF: PONG only once the data is back.
  while (await ask(port, "PING") !== "PONG") {
    if (exited || Date.now() > until) {
      if (!exited) child.kill("SIGKILL");
      throw new StartupError(
        `the embedded redis-server in ${dir} did not start:\n${await tail(log)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    version,
    async stop() {
      if (!exited) child.kill("SIGTERM");
      await child.status;
      await Deno.remove(portFile(abs)).catch(() => {});
    },
  };
}
