import { connectDb, type Sql } from "../../lib/db.ts";
import { deleteKeys } from "./app.ts";
import {
  ADMIN_TOKEN,
  createTestDatabase,
  freePort,
  REDIS_URL,
  type TestDatabase,
  testPrefix,
} from "./env.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function waitForLine(
  stream: ReadableStream<Uint8Array>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<void> {
  // A TextDecoder, not a TextDecoderStream: the latter's types clash once the islands' DOM lib is
  // in the same type-check.
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  const timer = setTimeout(() => reader.cancel(), timeoutMs);
  try {
    while (!pattern.test(seen)) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`process ended before printing ${pattern}: ${seen}`);
      seen += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
  }
  // Keep draining so the child never blocks on a full pipe.
  (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* the process was killed */ }
  })();
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

  /** Processes given the same `port` share it (SO_REUSEPORT), as in a multi-process deployment. */
  constructor(private readonly env: Record<string, string>, readonly port = freePort()) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--unstable-net", "-A", "main.ts"],
      cwd: ROOT,
      // One process per ServerProcess, so a test's kill -9 hits the whole server it started.
      env: { WORKERS: "1", ...this.env, PORT: String(this.port) },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await waitForLine(this.child.stdout, /listening on/, 30_000);
    // stderr is drained too, so a chatty child never stalls.
    this.child.stderr.pipeTo(new WritableStream()).catch(() => {});
  }

  async signal(signal: Deno.Signal): Promise<Deno.CommandStatus> {
    this.child!.kill(signal);
    return await this.child!.status;
  }

  async stop(): Promise<void> {
    if (!this.child) return;
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
