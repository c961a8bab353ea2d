import { createSale } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { History, ITERATIONS } from "../helpers/history.ts";
import { serverFixture, ServerProcess } from "../helpers/processes.ts";

const KILLS = 10;

/** Two processes share a port; one of them, chosen by the seed, is killed and restarted 10 times. */
async function killNineRun(): Promise<void> {
  const f = await serverFixture({ OUTBOX_MIN_AGE_MS: "1000", SWEEP_INTERVAL_MS: "200" });
  const first = new ServerProcess(f.env);
  const servers = [first, new ServerProcess(f.env, first.port)];
  const h = new History("kill9");
  try {
    await Promise.all(servers.map((s) => s.start()));
    const saleId = await createSale(first.url, { totalStock: 5000 });
    let kills = 0;
    const killer = (async () => {
      for (; kills < KILLS; kills++) {
        await new Promise((r) => setTimeout(r, h.int(100, 600)));
        const victim = servers[h.int(0, servers.length)]!;
        await victim.signal("SIGKILL");
        await victim.start();
      }
    })();
    await h.rush(first.url, saleId, {
      shoppers: 8000,
      concurrency: 40,
      done: () => kills >= KILLS,
    });
    await killer;
    // The rush ran until the last kill (done() above). Whether a kill caught requests in flight
    // depends on which process the kernel gave the connections to, so it is reported, not required.
    console.log(`[kill9] ${h.attempts.filter((a) => a.status === 0).length} attempts met a kill`);
    await h.check(f.sql, REDIS_URL, f.prefix, saleId);
  } finally {
    await f.close(servers);
  }
}

Deno.test(`kill -9 of a server process mid-rush, ${KILLS} times in a row: the history checks out`, async () => {
  for (let i = 0; i < ITERATIONS; i++) await killNineRun();
});
