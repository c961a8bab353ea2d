/**
 * `deno task start` on a fresh machine: no DATABASE_URL or REDIS_URL set, nothing answering at the
 * default ports. The server runs in a network namespace of its own (`unshare -n`: a loopback where
 * nothing listens) and a mount namespace in which the project's `.data/` is a directory of the
 * test's, so neither the machine's services nor a developer's data are touched. The test talks to
 * it from inside that namespace (`nsenter` with curl and psql). It needs root, unshare, nsenter,
 * ip, curl and psql, and is skipped, saying which is missing, without them.
 */
import { waitForLine } from "../../loadtest/harness.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { ADMIN_TOKEN } from "../helpers/env.ts";
import { SERVICE_VARIABLES } from "../../lib/infra/config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

async function missing(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "not root (unshare -n needs it)";
  for (const tool of ["nsenter", "curl", "psql", "redis-server"]) {
    if (!await succeeds(tool, ["--version"])) return `no ${tool} on this machine`;
  }
  if (!await succeeds("unshare", ["-n", "-m", "ip", "link", "set", "lo", "up"])) {
    return "unshare -n -m with ip cannot run here";
  }
}

const skip = await missing();

/** One `main.ts` in the namespace: started, asked through nsenter, stopped by a signal. */
class NamespacedServer {
  output = "";
  private constructor(private readonly child: Deno.ChildProcess, readonly netns: string) {}

  static async start(dataDir: string): Promise<NamespacedServer> {
    const env = Deno.env.toObject();
    for (const name of SERVICE_VARIABLES) delete env[name];
    const child = new Deno.Command("unshare", {
      args: [
        "-n",
        "-m",
        "sh",
        "-c",
        'ip link set lo up && mount --bind "$1" "$2/.data" && cd "$2" && exec "$3" run ' +
        "--unstable-net --allow-net --allow-env --allow-read --allow-sys --allow-run " +
        "--allow-write=.data main.ts",
        "sh",
        dataDir,
        ROOT,
        Deno.execPath(),
      ],
      clearEnv: true,
      env: { ...env, WORKERS: "1", PORT: "8000", ADMIN_TOKEN },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // unshare and sh exec: the child is the supervisor, in the namespace from the start.
    const server = new NamespacedServer(child, `/proc/${child.pid}/ns/net`);
    try {
      await waitForLine(child.stdout, /listening on/, 60_000, (t) => server.output += t);
    } catch (error) {
      const stderr = await new Response(child.stderr).text();
      throw new Error(`${(error as Error).message}\nstderr: ${stderr}`);
    }
    child.stderr.pipeTo(new WritableStream()).catch(() => {});
    return server;
  }

  async inside(command: string, args: string[]): Promise<string> {
    const out = await new Deno.Command("nsenter", {
      args: [`--net=${this.netns}`, command, ...args],
      env: { PSQLRC: "/dev/null" },
    }).output();
    const text = new TextDecoder();
    assert(out.success, `${command} ${args.join(" ")}: ${text.decode(out.stderr)}`);
    return text.decode(out.stdout);
  }

  async http(method: string, path: string, body?: unknown): Promise<unknown> {
    const data = body === undefined
      ? []
      : ["-H", "content-type: application/json", "-d", JSON.stringify(body)];
    return JSON.parse(
      await this.inside("curl", ["-s", "-X", method, ...data, `http://127.0.0.1:8000${path}`]),
    );
  }

  /** The embedded PostgreSQL's URL, from the start lines. */
  get databaseUrl(): string {
    const url = /postgres:\/\/\S+\/flashsale/.exec(this.output)?.[0];
    assert(url, `no embedded PostgreSQL in the start lines:\n${this.output}`);
    return url;
  }

  async terminate(): Promise<Deno.CommandStatus> {
    this.child.kill("SIGTERM");
    return await this.child.status;
  }
}

/** The processes in network namespace `id` (a `net:[…]` link), found through /proc. */
function processesIn(id: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readLinkSync(`/proc/${entry.name}/ns/net`) === id) found.push(Number(entry.name));
    } catch { /* gone, or not ours to read */ }
  }
  return found;
}

Deno.test({
  name:
    "no service named, none answering: embedded services, an order kept across a SIGTERM and a new start",
  ignore: skip !== undefined,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "fs-embedded-" });
    // Run as root, PostgreSQL runs as the user postgres, who must reach its data directory.
    await Deno.chmod(dataDir, 0o755);
    await Deno.mkdir(`${ROOT}.data`, { recursive: true });
    const namespaces = new Set<string>();
    try {
      const first = await NamespacedServer.start(dataDir);
      namespaces.add(Deno.readLinkSync(first.netns));
      assertMatch(first.output, /embedded services: neither DATABASE_URL nor REDIS_URL is set/);
      assertMatch(first.output, /PostgreSQL 18 .* data in \.data\/postgres/);
      assertMatch(first.output, /Redis .* data in \.data\/redis \(AOF\)/);
      const bought = await first.http("POST", "/purchase", { userId: "embedded-1", saleId: 1 }) as {
        result: string;
        order: { id: string };
      };
      assertEquals(bought.result, "SUCCESS", JSON.stringify(bought));
      assertEquals((await first.terminate()).code, 0);
      // The embedded services stopped with it: nothing is left in its namespace.
      assertEquals(processesIn([...namespaces][0]!), []);

      const second = await NamespacedServer.start(dataDir);
      namespaces.add(Deno.readLinkSync(second.netns));
      const found = await second.http("GET", "/purchase/embedded-1") as {
        purchased: boolean;
        order?: { id: string };
      };
      assertEquals([found.purchased, found.order?.id], [true, bought.order.id]);
      const rows = await second.inside("psql", [
        second.databaseUrl,
        "-Atc",
        "SELECT count(*) FROM orders WHERE user_id = 'embedded-1'",
      ]);
      assertEquals(rows.trim(), "1");
      assertEquals((await second.terminate()).code, 0);
    } finally {
      for (const id of namespaces) {
        for (const pid of processesIn(id)) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch { /* already gone */ }
        }
      }
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

if (skip) console.log(`embedded_start_test: skipped, ${skip}`);
