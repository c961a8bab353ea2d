import { connectDb, type Sql } from "../../lib/infra/db.ts";
import { deleteKeys } from "./app.ts";
import {
  ADMIN_TOKEN,
  createTestDatabase,
  freePort,
  REDIS_URL,
  type TestDatabase,
  testPrefix,
} from "./env.ts";
import { waitForLine } from "../../loadtest/harness.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Whether a process is running (a zombie, dead but not yet reaped, is not). */
export function alive(pid: number): boolean {
  try {
    // The state follows the parenthesised command name; Z is a zombie (dead, not yet reaped).
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** A redis-server of the test's own on a free port: the one a fault test may kill or flush. */
export class RedisServer {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private child: Deno.ChildProcess,
    private readonly args: string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(extraArgs: string[] = ["--save", "", "--appendonly", "no"]) {
    const port = freePort();
    const dir = await Deno.makeTempDir({ prefix: "fs-redis-" });
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, ...extraArgs];
    const server = new RedisServer(port, dir, RedisServer.spawn(args), args);
    await server.ready();
    return server;
  }

  private static spawn(args: string[]): Deno.ChildProcess {
    return new Deno.Command("redis-server", { args, stdout: "piped", stderr: "null" }).spawn();
  }

  private async ready(): Promise<void> {
    await waitForLine(this.child.stdout, /Ready to accept connections/, 10_000);
  }

  /** `kill -9`, then (optionally) start again on the same port with the same files. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.child.status;
  }

  async restart(): Promise<void> {
    this.child = RedisServer.spawn(this.args);
    await this.ready();
  }

  async stop(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
      await this.child.status;
    } catch { /* already gone */ }
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** The real server (`main.ts`) as a child process of the test, so the test can `kill -9` it. */
export class ServerProcess {
  private child: Deno.ChildProcess | undefined;
  /** What the server printed on stdout since its last start. */
  output = "";

  /**
   * Processes given the same `port` share it (SO_REUSEPORT), as in a multi-process deployment.
   * `openFiles`: started under `ulimit -n` of that many (soft and hard), as a small host would.
   */
  constructor(
    private readonly env: Record<string, string>,
    readonly port = freePort(),
    private readonly openFiles?: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process the test started (`exec` keeps it through the `ulimit` wrapper). */
  get pid(): number {
    return this.child!.pid;
  }

  private command(): Deno.Command {
    const deno = [Deno.execPath(), "run", "--unstable-net", "-A", "main.ts"];
    const [command, ...args] = this.openFiles === undefined
      ? deno
      : ["sh", "-c", `ulimit -n ${this.openFiles} && exec "$0" "$@"`, ...deno];
    return new Deno.Command(command!, {
      args,
      cwd: ROOT,
      // One worker unless told: a supervisor and one server process per ServerProcess.
      env: { WORKERS: "1", ...this.env, PORT: String(this.port) },
      stdout: "piped",
      stderr: "piped",
    });
  }

  /** Runs a server that is expected to stop by itself (a failed start), and what it printed. */
  async run(): Promise<{ code: number; stdout: string; stderr: string }> {
    const { code, stdout, stderr } = await this.command().output();
    const text = new TextDecoder();
    return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
  }

  async start(): Promise<void> {
    this.child = this.command().spawn();
    this.output = "";
    await waitForLine(this.child.stdout, /listening on/, 30_000, (text) => this.output += text);
    // stderr is drained too, so a chatty child never stalls.
    this.child.stderr.pipeTo(new WritableStream()).catch(() => {});
  }

  /** The supervisor's pid, then its workers' (Linux: /proc). */
  pids(): number[] {
    const pid = this.pid;
    const children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
    return [pid, ...children.split(/\s+/).filter((s) => s !== "").map(Number)];
  }

  /** SIGKILL goes to the workers too: the whole server dies at once, mid-request. */
  async signal(signal: Deno.Signal): Promise<Deno.CommandStatus> {
    if (signal === "SIGKILL") this.killWorkers();
    this.child!.kill(signal);
    return await this.child!.status;
  }

  private killWorkers(): void {
    let workers: number[] = [];
    try {
      workers = this.pids().slice(1);
    } catch { /* the supervisor is gone */ }
    for (const pid of workers) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.killWorkers();
    try {
      this.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.child.status;
  }
}

/** What a test of real server processes needs: its own database, key prefix, env and a SQL handle. */
export interface ServerFixture {
  db: TestDatabase;
  sql: Sql;
  prefix: string;
  env: Record<string, string>;
  /** Stops the given servers, then drops the database and the Redis keys. */
  close(servers: ServerProcess[]): Promise<void>;
}

export async function serverFixture(extraEnv: Record<string, string> = {}): Promise<ServerFixture> {
  const db = await createTestDatabase();
  const prefix = testPrefix();
  const sql = connectDb(db.url, { max: 2 });
  return {
    db,
    sql,
    prefix,
    env: { DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, ADMIN_TOKEN, ...extraEnv },
    async close(servers) {
      await Promise.all(servers.map((s) => s.stop()));
      await sql.end();
      await db.drop();
      await deleteKeys(REDIS_URL, prefix);
    },
  };
}
