import { type Config, loadConfig } from "./lib/infra/config.ts";
import { openFileLimits, READY_LINE, supervise, WORKER_MARK } from "./lib/supervisor.ts";

/** A worker that cannot listen again for this long exits, for the supervisor to restart it. */
const RELISTEN_GIVE_UP_MS = 10_000;
/** A listener that lasted this long was healthy: the next failure starts the backoff afresh. */
const LISTENER_HEALTHY_MS = 5_000;

/**
 * A server process. Its listener is kept: when `Deno.serve`'s accept loop ends (out of file
 * descriptors: EMFILE/ENFILE under a flood of connections; the connections already accepted are
 * still served), it listens again after a short backoff, with the same Redis and PostgreSQL
 * pools, and each such failure is counted in /metrics.
 */
async function serveWorker(config: Config): Promise<void> {
  // Loaded here, not at the top: the supervisor process never needs the app.
  const [{ buildApp }, { openPlatform }] = await Promise.all([
    import("./app.ts"),
    import("./lib/platform.ts"),
  ]);
  const platform = await openPlatform(config);
  const handler = buildApp(platform).fetch;
  // Every server made, including those whose accept loop ended: their connections drain on stop.
  const servers = new Set<Deno.HttpServer>();
  let stopping: Promise<void> | undefined;
  const stop = (code: number) =>
    stopping ??= (async () => {
      // Stop accepting, let in-flight requests finish, flush the group commit, close connections.
      platform.live.stop(); // open event streams would hold the shutdown forever
      await Promise.all([...servers].map((s) => s.shutdown().catch(() => {})));
      await platform.close();
      Deno.exit(code);
    })();

  let backoffMs = 50;
  let lastLog = 0;
  const listen = (onListen: (port: number) => void = () => {}) => {
    const since = Date.now();
    const server = Deno.serve({
      port: config.PORT,
      hostname: "0.0.0.0",
      // Several processes serve one port; the kernel spreads connections across them.
      reusePort: true,
      onListen: ({ port }) => onListen(port),
    }, handler);
    servers.add(server);
    server.finished.catch((error: Error) => {
      platform.metrics.acceptErrors++;
      if (stopping) return;
      if (Date.now() - since > LISTENER_HEALTHY_MS) backoffMs = 50;
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        console.error(`worker ${Deno.pid}: accepting failed (${error.message}); listening again`);
      }
      void relisten();
    });
  };
  const relisten = async () => {
    const giveUp = Date.now() + RELISTEN_GIVE_UP_MS;
    for (;;) {
      await new Promise((r) => setTimeout(r, backoffMs));
      backoffMs = Math.min(backoffMs * 2, 1000);
      if (stopping) return;
      try {
        return listen();
      } catch (error) {
        if (Date.now() < giveUp) continue;
        console.error(`worker ${Deno.pid}: cannot listen again (${(error as Error).message})`);
        await stop(1);
      }
    }
  };

  const port = await new Promise<number>((resolve) => listen(resolve));
  Deno.addSignalListener("SIGTERM", () => void stop(0));
  Deno.addSignalListener("SIGINT", () => void stop(0));
  console.log(`${READY_LINE} ${port} ${openFileLimits()}`);
  // Returns at EOF: the supervisor is gone.
  for await (const _ of Deno.stdin.readable) { /* nothing is ever sent */ }
  await stop(0);
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (Deno.env.get(WORKER_MARK) === "1") await serveWorker(config);
  else await supervise(config, new URL(import.meta.url).pathname);
}

try {
  await main();
} catch (error) {
  const { StartupError } = await import("./lib/platform.ts");
  if (
    error instanceof StartupError ||
    error instanceof Error && error.message.startsWith("invalid configuration")
  ) {
    console.error(`cannot start: ${error.message}`);
    Deno.exit(1);
  }
  throw error;
}
