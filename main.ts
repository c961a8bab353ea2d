import { buildApp } from "./app.ts";
import { type Config, loadConfig } from "./lib/config.ts";
import { openPlatform, StartupError } from "./lib/platform.ts";

/** Set in the environment of the processes the first one starts. */
const WORKER_MARK = "FLASHSALE_WORKER";

async function serve(config: Config, onStop: () => Promise<void>): Promise<() => Promise<void>> {
  const platform = await openPlatform(config);
  const server = Deno.serve({
    port: config.PORT,
    hostname: "0.0.0.0",
    // Several processes serve one port; the kernel spreads connections across them.
    reusePort: true,
    onListen: ({ port }) => console.log(`flash sale listening on :${port} (pid ${Deno.pid})`),
  }, buildApp(platform).fetch);
  let stopping: Promise<void> | undefined;
  return () =>
    stopping ??= (async () => {
      // Stop accepting, let in-flight requests finish, flush the group commit, close connections.
      platform.live.stop(); // open event streams would hold the shutdown forever
      await server.shutdown();
      await platform.close();
      await onStop();
    })();
}

/**
 * The first process also starts WORKERS - 1 more, restarts any that dies, and passes SIGTERM on.
 * A worker's stdin is a pipe from the first process: when that closes (the first process died,
 * even by kill -9), the worker shuts down too, so no orphan keeps serving the port.
 */
function startWorkers(count: number): { stopAll(): Promise<void> } {
  const children = new Set<Deno.ChildProcess>();
  let stopping = false;
  const spawn = () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--unstable-net", "-A", new URL(import.meta.url).pathname],
      env: { [WORKER_MARK]: "1" },
      stdin: "piped",
    }).spawn();
    children.add(child);
    child.status.then(() => {
      children.delete(child);
      if (!stopping) setTimeout(spawn, 500);
    });
  };
  for (let i = 0; i < count; i++) spawn();
  return {
    async stopAll() {
      stopping = true;
      const exits = [...children].map((c) => c.status);
      for (const c of children) c.kill("SIGTERM");
      await Promise.all(exits);
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const isWorker = Deno.env.get(WORKER_MARK) === "1";
  const workers = !isWorker && config.WORKERS > 1 ? startWorkers(config.WORKERS - 1) : null;
  const stop = await serve(config, async () => {
    await workers?.stopAll();
    Deno.exit(0);
  });
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  if (isWorker) {
    // Returns at EOF: the first process is gone.
    for await (const _ of Deno.stdin.readable) { /* nothing is ever sent */ }
    await stop();
  }
}

try {
  await main();
} catch (error) {
  if (
    error instanceof StartupError ||
    error instanceof Error && error.message.startsWith("invalid configuration")
  ) {
    console.error(`cannot start: ${error.message}`);
    Deno.exit(1);
  }
  throw error;
}
