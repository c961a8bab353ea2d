import { Redis } from "ioredis";
import { freePort } from "./env.ts";

/**
 * A 3-master Redis Cluster of the test's own: three `redis-server --cluster-enabled yes` on free
 * ports, joined by `redis-cli --cluster create`. Killed (not cleaned) at the end.
 */
export class RedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly children: Deno.ChildProcess[],
    private readonly dir: string,
  ) {}

  /** `REDIS_CLUSTER_NODES` for the app. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(",");
  }

  static async start(): Promise<RedisCluster> {
    const dir = await Deno.makeTempDir({ prefix: "fs-cluster-" });
    const ports = [freePort(), freePort(), freePort()];
    const children = await Promise.all(ports.map(async (port) => {
      const nodeDir = `${dir}/${port}`;
      await Deno.mkdir(nodeDir);
      return new Deno.Command("redis-server", {
        args: [
          "--port",
          String(port),
          // The bus port is set, not port + 10000, which may be past 65535 for a free port.
          "--cluster-port",
          String(freePort()),
          "--bind",
          "127.0.0.1",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          `${nodeDir}/nodes.conf`,
          "--dir",
          nodeDir,
          "--save",
          "",
          "--appendonly",
          "no",
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
    }));
    const cluster = new RedisCluster(ports, children, dir);
    try {
      for (const port of ports) await waitFor(() => ping(port), `node ${port} up`);
      const create = await new Deno.Command("redis-cli", {
        args: [
          "--cluster",
          "create",
          ...ports.map((p) => `127.0.0.1:${p}`),
          "--cluster-replicas",
          "0",
          "--cluster-yes",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!create.success) {
        throw new Error(`redis-cli --cluster create: ${new TextDecoder().decode(create.stdout)}`);
      }
      for (const port of ports) {
        await waitFor(async () => /cluster_state:ok/.test(await info(port)), `node ${port} ok`);
      }
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** `redis://` of the master that holds `key`'s slot, for counting keys on one node. */
  async nodeFor(key: string): Promise<string> {
    const redis = new Redis(this.ports[0]!, "127.0.0.1");
    try {
      const slot = Number(await redis.call("CLUSTER", "KEYSLOT", key));
      const ranges = await redis.call("CLUSTER", "SLOTS") as [number, number, [string, number]][];
      const range = ranges.find(([from, to]) => from <= slot && slot <= to);
      if (!range) throw new Error(`no node holds slot ${slot}`);
      return `redis://127.0.0.1:${range[2][1]}`;
    } finally {
      redis.disconnect();
    }
  }

  async stop(): Promise<void> {
    for (const child of this.children) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
    }
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

async function ping(port: number): Promise<boolean> {
  const out = await new Deno.Command("redis-cli", { args: ["-p", String(port), "ping"] }).output();
  return new TextDecoder().decode(out.stdout).trim() === "PONG";
}

async function info(port: number): Promise<string> {
  const out = await new Deno.Command("redis-cli", { args: ["-p", String(port), "cluster", "info"] })
    .output();
  return new TextDecoder().decode(out.stdout);
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + 20_000;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
