import { buildApp } from "./app.ts";
import { loadConfig } from "./lib/config.ts";
import { openPlatform, StartupError } from "./lib/platform.ts";

async function main(): Promise<void> {
  const config = loadConfig();
  const platform = await openPlatform(config);
  const app = buildApp(platform);
  const server = Deno.serve({
    port: config.PORT,
    hostname: "0.0.0.0",
    // Several processes may serve one port; the kernel spreads connections across them.
    reusePort: true,
    onListen: ({ port }) => console.log(`flash sale listening on :${port} (pid ${Deno.pid})`),
  }, app.fetch);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Stop accepting, let in-flight requests finish, flush the group commit, close connections.
    platform.live.stop(); // open event streams would hold the shutdown forever
    await server.shutdown();
    await platform.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
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
