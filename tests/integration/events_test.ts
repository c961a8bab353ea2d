import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { createSale, purchase } from "../helpers/client.ts";

Deno.test("the event stream sends the stock, then each change", async () => {
  const app = await startTestApp();
  const abort = new AbortController();
  try {
    const saleId = await createSale(app.url, { totalStock: 7 });
    const res = await fetch(`${app.url}/api/sales/${saleId}/events`, { signal: abort.signal });
    assertEquals(res.headers.get("content-type"), "text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: { remainingStock: number; status: string }[] = [];
    let buffer = "";
    const nextEvent = async () => {
      while (!buffer.includes("\n\n")) buffer += (await reader.read()).value ?? "";
      const [chunk = "", ...rest] = buffer.split("\n\n");
      buffer = rest.join("\n\n");
      const data = chunk.split("\n").find((l) => l.startsWith("data: "));
      if (data) events.push(JSON.parse(data.slice(6)));
      return data !== undefined;
    };
    while (!(await nextEvent())) { /* skip comments */ }
    assertEquals(events[0], { ...events[0], remainingStock: 7, status: "ACTIVE" });

    assertEquals((await purchase(app.url, saleId, "sse-buyer")).result, "SUCCESS");
    while (events.length < 2) await nextEvent();
    assertEquals(events[1]!.remainingStock, 6);
    assert(app.platform.live.clients === 1);
  } finally {
    abort.abort();
    await app.close();
  }
});
