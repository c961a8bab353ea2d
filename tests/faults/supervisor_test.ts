/** The supervisor: restarts a worker that dies, passes SIGTERM on, and takes its workers with it. */
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { call } from "../helpers/client.ts";
import { PG_PORT, throughPort } from "../helpers/env.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";
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

Deno.test("supervisor: PostgreSQL refuses from the moment the first worker serves; the server keeps serving and starts the second once it is back", async () => {
  const f = await serverFixture({ WORKERS: "2" });
  const proxy = new FaultProxy(PG_PORT);
  const server = new ServerProcess({
    ...f.env,
    DATABASE_URL: throughPort(f.db.url, proxy.port),
  });
  try {
    const starting = server.start().then(() => "started", (e: Error) => e.message);
    // The first worker starts alone; the supervisor starts the second once the first is ready.
    // PostgreSQL refuses from the moment the second exists, long before it can reach it.
    let first: number | undefined;
    let second: number | undefined;
    const deadline = Date.now() + 30_000;
    while (second === undefined && Date.now() < deadline) {
      const workers = server.pids().slice(1);
      first ??= workers[0];
      second = workers.find((w) => w !== first);
      if (second === undefined) await sleep(5);
    }
    proxy.refuse();
    assert(first !== undefined && second !== undefined, `a second worker: ${server.pids()}`);
    const supervisor = server.pid;
    assert(await until(() => !alive(second!), 15_000), "the second worker could not start");

    await sleep(6_000);
    assert(alive(supervisor), `the supervisor keeps serving (start: ${await starting})`);
    assert(alive(first), "the first worker keeps serving");
    proxy.resume();

    assertEquals(await starting, "started");
    assertMatch(server.output, /listening on :\d+: 1 of 2 workers, /);
    assert(await until(() => answers(server.url), 15_000), "/health answers 200 again");
    const both = await until(() => {
      const workers = server.pids().slice(1);
      return workers.length === 2 && workers.includes(first!) && !workers.includes(second!) &&
        listeners(workers, server.port).length === 2;
    }, 30_000);
    assert(both, `two workers serve: ${server.pids()}`);
    assert(alive(supervisor), "the supervisor is still there");
  } finally {
    await f.close([server]);
    proxy.close();
  }
});

Deno.test("supervisor: with a payment secret and no CHECKOUT_URL, the start lines say the test checkout is on", async () => {
  const secret = { PAYMENT_WEBHOOK_SECRET: "test-payment-secret-0123456789" };
  const f = await serverFixture(secret);
  const test = new ServerProcess(f.env);
  const real = new ServerProcess({ ...f.env, CHECKOUT_URL: "https://shop.example/pay/{orderId}" });
  try {
    await test.start();
    assertMatch(
      test.output,
      /note {11}CHECKOUT_URL is unset: the built-in test checkout http:\/\/localhost:\d+\/checkout\/:orderId is on and marks held orders paid without any payment; production sets CHECKOUT_URL/,
    );
    await real.start();
    assertMatch(real.output, /listening on :\d+/);
    assert(!real.output.includes("test checkout"), real.output);
  } finally {
    await f.close([test, real]);
  }
});
