/**
 * The fault profiles. `deno task faults` runs every fault test once (the short profile, also part
 * of `deno task test`); `deno task faults --long` runs each 20× (FAULT_PROFILE=long) and then a
 * soak: a steady stream of purchases against one server process for SOAK_MINUTES (10), printing
 * its memory (RSS, heap) over time from GET /metrics, and checking the history at the end.
 */
import { createSale } from "../helpers/client.ts";
import { REDIS_URL } from "../helpers/env.ts";
import { History } from "../helpers/history.ts";
import { serverFixture, ServerProcess } from "../helpers/processes.ts";

const long = Deno.args.includes("--long");

async function faultTests(): Promise<boolean> {
  const dir = new URL(".", import.meta.url).pathname;
  const { success } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", "--parallel", dir],
    env: { FAULT_PROFILE: long ? "long" : "short" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return success;
}

function gauge(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return Number(line?.split(" ")[1] ?? NaN);
}

async function soak(minutes: number): Promise<void> {
  const f = await serverFixture();
  const server = new ServerProcess(f.env);
  const h = new History("soak");
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  try {
    await server.start();
    const saleId = await createSale(server.url, { totalStock: 10_000_000 });
    const until = Date.now() + minutes * 60_000;
    let shopper = 0;
    const sampler = (async () => {
      console.log("minute  rss_mb  heap_used_mb  heap_total_mb  attempts");
      for (let t = 0; Date.now() < until + 1000; t += 0.5) {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        console.log(
          `${t.toFixed(1).padStart(6)}  ${mb(gauge(text, "process_resident_memory_bytes"))}  ${
            mb(gauge(text, "nodejs_heap_size_used_bytes"))
          }  ${mb(gauge(text, "nodejs_heap_size_total_bytes"))}  ${h.attempts.length}`,
        );
        await new Promise((r) => setTimeout(r, 30_000));
      }
    })();
    // Distinct shoppers, 20 at a time: every attempt makes an order, so memory that grows with
    // orders, buyers or the outbox would show.
    await Promise.all(Array.from({ length: 20 }, async () => {
      while (Date.now() < until) await h.buyRetrying(server.url, saleId, `soak-${shopper++}`);
    }));
    await sampler;
    await h.check(f.sql, REDIS_URL, f.prefix, saleId);
  } finally {
    await f.close([server]);
  }
}

let ok = await faultTests();
if (long) {
  try {
    await soak(Number(Deno.env.get("SOAK_MINUTES") ?? "10"));
  } catch (error) {
    console.error("soak failed:", error);
    ok = false;
  }
}
Deno.exit(ok ? 0 : 1);
