import { type Config, namesServices } from "./infra/config.ts";

/** Set in the environment of the server processes the supervisor starts. */
export const WORKER_MARK = "FLASHSALE_WORKER";
/**
 * What a worker prints on its stdout (a pipe to the supervisor) once it listens, then its port and
 * its open-file limits.
 */
export const READY_LINE = "flashsale-worker-ready";

/** A worker that dies this soon after it got ready counts as crashing: its restarts slow down. */
const STABLE_MS = 10_000;
const RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 10_000;

/**
 * The soft and hard open-file limits this process runs with (Linux: /proc, which Deno lets only
 * an --allow-all process read: a worker). Deno raises the soft limit to the hard one as it starts.
 */
export function openFileLimits(): string {
  try {
    const line = Deno.readTextFileSync("/proc/self/limits").split("\n")
      .find((l) => l.startsWith("Max open files"));
    const [soft, hard] = line?.split(/\s{2,}/).slice(1, 3) ?? [];
    return soft === hard ? `${soft}` : `${soft} (hard limit ${hard})`;
  } catch {
    return "unknown";
  }
}

/** Copies a worker's stdout to ours, line by line, except its READY_LINE, which calls `ready`. */
async function relay(
  stream: ReadableStream<Uint8Array>,
  ready: (port: number, openFiles: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = "";
  try {
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!;
      const out = lines.filter((line) => {
        const [mark, port, ...openFiles] = line.split(" ");
        if (mark !== READY_LINE) return true;
        ready(Number(port), openFiles.join(" "));
        return false;
      });
      if (out.length > 0) await Deno.stdout.write(encoder.encode(out.join("\n") + "\n"));
    }
  } catch { /* the worker is gone */ }
}

/**
 * The first process: not a server itself (so nothing a client sends can kill it), it starts
 * `WORKERS` server processes on one port, restarts any that dies, prints the start once, and
 * passes SIGTERM/SIGINT on and waits for the workers' drain.
 *
 * A worker's stdin is a pipe from here: when it closes (this process died, even by kill -9), the
 * worker shuts down too, so no orphan keeps serving the port.
 */
export async function supervise(config: Config, entry: string): Promise<void> {
  // No Redis or PostgreSQL named, none answering at the defaults: embedded ones, owned by this
  // process (started before the workers, stopped after they drained), their URLs in the workers'
  // environment. Loaded only then, so a deployment never imports it.
  const embedded = namesServices()
    ? null
    : await import("./infra/embedded.ts").then((m) => m.embedWhereNothingAnswers(config));
  const workers = new Set<Deno.ChildProcess>();
  let stopping = false;
  let started = false;
  let delay = RESTART_DELAY_MS / 2;
  let port = config.PORT;
  let openFiles = "unknown";

  /** Resolves true once the worker listens, false if it exits first. */
  const spawn = (): Promise<boolean> => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--unstable-net", "-A", entry],
      env: { [WORKER_MARK]: "1", ...embedded?.env },
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    workers.add(child);
    let readyAt = 0;
    const ready = new Promise<boolean>((resolve) => {
      void relay(child.stdout, (listening, limits) => {
        readyAt = Date.now();
        port = listening;
        openFiles = limits;
        resolve(true);
      });
      child.status.then(() => resolve(false));
    });
    child.status.then(async (status) => {
      workers.delete(child);
      if (stopping || !started) return;
      const crashing = readyAt === 0 || Date.now() - readyAt < STABLE_MS;
      delay = crashing ? Math.min(delay * 2, MAX_RESTART_DELAY_MS) : RESTART_DELAY_MS;
      console.error(
        `worker ${child.pid} ${readyAt === 0 ? "could not start" : "exited"} ` +
          `(${status.signal ?? `code ${status.code}`}); starting another in ${delay / 1000}s`,
      );
      await new Promise((r) => setTimeout(r, delay));
      if (!stopping) void spawn();
    });
    return ready;
  };

  let stopped: Promise<never> | undefined;
  const stop = (code: number): Promise<never> =>
    stopped ??= (async () => {
      stopping = true;
      const exits = [...workers].map((w) => w.status);
      for (const w of workers) {
        try {
          w.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      await Promise.all(exits);
      await embedded?.stop();
      Deno.exit(code);
    })();
  Deno.addSignalListener("SIGTERM", () => void stop(0));
  Deno.addSignalListener("SIGINT", () => void stop(0));

  // The first worker alone: it creates the database and applies the migrations, and if Redis or
  // PostgreSQL is unreachable it says so once (`cannot start: …`) instead of once per worker.
  if (!await spawn()) await stop(1);
  // One worker serves: a server that served never exits because another worker could not start
  // (PostgreSQL or Redis gone for a moment); that worker is started again, with the backoff.
  started = true;
  const rest = await Promise.all(Array.from({ length: config.WORKERS - 1 }, spawn));
  const serving = 1 + rest.filter((ready) => ready).length;

  const base = `http://localhost:${port}`;
  console.log(
    [
      `flash sale listening on :${port}: ${
        serving === config.WORKERS ? "" : `${serving} of `
      }${config.WORKERS} worker${config.WORKERS === 1 ? "" : "s"}, pids ${
        [...workers].map((w) => w.pid).join(" ")
      } (supervisor ${Deno.pid}), open files per process ${openFiles}`,
      `  shop           ${base}/`,
      `  admin console  ${base}/admin${
        config.ADMIN_TOKEN ? "" : " (closed: ADMIN_TOKEN is not set; admin routes answer 503)"
      }`,
      `  metrics        ${base}/metrics`,
      `  health         ${base}/health`,
      ...(config.ADMISSION_SECRET === undefined
        ? [
          `  note           ADMISSION_SECRET is unset: waiting rooms sign with a secret kept in ` +
          `Redis, made anew if Redis loses its data; set it in production`,
        ]
        : []),
      ...(config.PAYMENT_WEBHOOK_SECRET !== undefined && config.CHECKOUT_URL === undefined
        ? [
          `  note           CHECKOUT_URL is unset: the built-in test checkout ${base}/checkout/:orderId ` +
          `is on and marks held orders paid without any payment; production sets CHECKOUT_URL`,
        ]
        : []),
      ...embedded?.lines ?? [],
    ].join("\n"),
  );
}
