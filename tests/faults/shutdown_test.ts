import { assert, assertEquals } from "../helpers/assert.ts";
import { createSale } from "../helpers/client.ts";
import { REDIS_PORT } from "../helpers/env.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";
import { serverFixture, ServerProcess } from "../helpers/processes.ts";

/** Reads a response body to its end in the background, as a browser's EventSource does. */
function drain(res: Response): Promise<void> {
  return res.body?.pipeTo(new WritableStream()).catch(() => {}) ?? Promise.resolve();
}

Deno.test("SIGTERM with event streams open, and more arriving as it stops: exit 0 within 10 s", async () => {
  // Redis behind a proxy, slowed below: a stream being opened may still be reading the stock when
  // the signal lands, so it reaches the feed after the feed was stopped (or it is answered from
  // the stock snapshot before the signal, and then cut with the others).
  const proxy = new FaultProxy(REDIS_PORT);
  const f = await serverFixture({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  const server = new ServerProcess(f.env);
  const aborts: AbortController[] = [];
  const events = (saleId: number) => {
    const abort = new AbortController();
    aborts.push(abort);
    return fetch(`${server.url}/api/sales/${saleId}/events`, { signal: abort.signal });
  };
  try {
    await server.start();
    const saleId = await createSale(server.url, { totalStock: 5 });
    for (let i = 0; i < 5; i++) {
      const res = await events(saleId);
      assertEquals(res.status, 200);
      drain(res);
    }
    proxy.latency(300);
    const late = Array.from({ length: 5 }, () =>
      events(saleId).then(async (res) => {
        await drain(res);
        return res.status;
      }, () => 0));
    await new Promise((r) => setTimeout(r, 150));
    const started = performance.now();
    const exit = server.signal("SIGTERM");
    const outcome = await Promise.race([
      exit,
      new Promise<"TIMEOUT">((r) => setTimeout(() => r("TIMEOUT"), 10_000)),
    ]);
    assert(outcome !== "TIMEOUT", "the process was still running 10 s after SIGTERM");
    assertEquals(outcome.code, 0);
    const elapsed = performance.now() - started;
    // The late streams were refused (503), or opened and then cut: each has ended, none is held.
    for (const status of await Promise.all(late)) {
      assert([0, 200, 503].includes(status), `${status}`);
    }
    console.log(`exited ${elapsed.toFixed(0)} ms after SIGTERM`);
  } finally {
    for (const a of aborts) a.abort();
    proxy.close();
    await f.close([server]);
  }
});
