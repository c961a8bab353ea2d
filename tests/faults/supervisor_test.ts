/** The supervisor: restarts a worker that dies, passes SIGTERM on, and takes its workers with it. */
import { assert, assertEquals } from "../helpers/assert.ts";
import { call } from "../helpers/client.ts";
import { alive, serverFixture, ServerProcess } from "../helpers/processes.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The processes among `pids` that hold a listening TCP socket on `port` (Linux: /proc). */
function listeners(pids: number[], port: number): number[] {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const row of Deno.readTextFileSync(table).split("\n").slice(1)) {
      const cols = row.trim().split(/\s+/);
      // local_address is ADDR:PORT; state 0A is LISTEN; column 9 is the socket's inode.
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === "0A") inodes.add(cols[9]!);
    }
  }
  return pids.filter((pid) =>
    [...Deno.readDirSync(`/proc/${pid}/fd`)].some((fd) => {
      try {
        return inodes.has(
          /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`))?.[1] ?? "",
        );
      } catch {
        return false;
      }
    })
  );
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(100);
  }
  return false;
}

const answers = async (url: string) => {
  try {
    return (await call(url, "GET", "/health")).status === 200;
  } catch {
    return false;
  }
};

Deno.test("supervisor: a worker killed with -9 is replaced, the supervisor itself serves nothing", async () => {
  const f = await serverFixture({ WORKERS: "2" });
  const server = new ServerProcess(f.env);
  try {
    await server.start();
    const pids = server.pids();
    const [supervisor, victim, other] = pids;
    assert(victim !== undefined && other !== undefined, "two workers");
    assertEquals(listeners(pids, server.port), [victim, other], "only the workers listen");
    Deno.kill(victim, "SIGKILL");
    const replaced = await until(() => {
      const workers = server.pids().slice(1);
      return workers.length === 2 && !workers.includes(victim) && workers.includes(other);
    }, 15_000);
    assert(replaced, `the killed worker was replaced: ${server.pids()}`);
    assert(alive(supervisor!) && alive(other), "the others stayed up");
    assert(await until(() => answers(server.url), 10_000), "the server answers");
  } finally {
    await f.close([server]);
  }
});

Deno.test("supervisor: SIGTERM stops every worker and exits 0", async () => {
  const f = await serverFixture({ WORKERS: "2" });
  const server = new ServerProcess(f.env);
  try {
    await server.start();
    const workers = server.pids().slice(1);
    assertEquals(workers.length, 2);
    assertEquals((await server.signal("SIGTERM")).code, 0);
    assertEquals(workers.filter(alive), [], "no worker outlives the supervisor");
  } finally {
    await f.close([server]);
  }
});

Deno.test("supervisor: kill -9 of the supervisor alone leaves no worker serving", async () => {
  const f = await serverFixture({ WORKERS: "2" });
  const server = new ServerProcess(f.env);
  try {
    await server.start();
    const [supervisor, ...workers] = server.pids();
    Deno.kill(supervisor!, "SIGKILL");
    assert(await until(() => workers.every((w) => !alive(w)), 10_000), "the workers stopped");
    assert(!await answers(server.url), "nothing serves the port");
  } finally {
    await f.close([server]);
  }
});
