import { buildApp } from "../../app.ts";
import { LiveFeed } from "../../lib/sales/live.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { createSale, purchase } from "../helpers/client.ts";

/** Opens an event stream as the client `ip` (the app trusts one proxy hop). */
async function open(app: TestApp, saleId: number, ip: string, signal: AbortSignal) {
  return await fetch(`${app.url}/api/sales/${saleId}/events`, {
    headers: { "x-forwarded-for": ip },
    signal,
  });
}

async function waitFor(what: string, condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("event streams: 429 with Retry-After past EVENT_STREAMS_PER_IP and EVENT_STREAMS_MAX", async () => {
  const app = await startTestApp({
    EVENT_STREAMS_PER_IP: "2",
    EVENT_STREAMS_MAX: "3",
    TRUSTED_PROXY_HOPS: "1",
  });
  const aborts: AbortController[] = [];
  const stream = (ip: string) => {
    const abort = new AbortController();
    aborts.push(abort);
    return open(app, saleId, ip, abort.signal);
  };
  let saleId = 0;
  try {
    saleId = await createSale(app.url, { totalStock: 5 });
    assertEquals((await stream("10.0.0.1")).status, 200);
    assertEquals((await stream("10.0.0.1")).status, 200);
    const perIp = await stream("10.0.0.1");
    assertEquals(perIp.status, 429);
    assert(Number(perIp.headers.get("retry-after")) >= 1, "Retry-After");
    assertEquals((await perIp.json()).error.code, "TOO_MANY_STREAMS");
    assertEquals((await stream("10.0.0.2")).status, 200);
    const full = await stream("10.0.0.3");
    assertEquals(full.status, 429);
    assert(Number(full.headers.get("retry-after")) >= 1, "Retry-After");
    assertEquals((await full.json()).error.code, "TOO_MANY_STREAMS");
    assertEquals(app.platform.live.clients, 3);

    // A client that goes away frees its slot.
    aborts[0]!.abort();
    await waitFor("the slot to be freed", () => app.platform.live.clients === 2);
    assertEquals((await stream("10.0.0.3")).status, 200);
  } finally {
    for (const a of aborts) a.abort();
    await app.close();
  }
});

/** The app over a feed of the test's own, whose heartbeat and stall limit are short. */
function withFeed(app: TestApp, feed: LiveFeed) {
  return buildApp({ ...app.platform, live: feed });
}

Deno.test("an event stream whose client stops reading is ended and its slot freed", async () => {
  const app = await startTestApp();
  const feed = new LiveFeed(app.platform.stock, app.platform.cache, app.platform.line, {
    intervalMs: 20,
    perIp: 1,
    max: 10,
    heartbeatMs: 50,
    stallMs: 300,
  });
  const server = withFeed(app, feed);
  const events = (saleId: number) =>
    server.fetch(new Request(`http://localhost/api/sales/${saleId}/events`));
  try {
    const saleId = await createSale(app.url, { totalStock: 50 });
    const unread = await events(saleId);
    assertEquals(unread.status, 200);
    // Nobody reads `unread`: its frames queue up (stock changes and heartbeats).
    for (let i = 0; i < 3; i++) await purchase(app.url, saleId, `stall-${i}`);
    await waitFor("the stalled stream to end", () => feed.clients === 0);
    const reader = unread.body!.getReader();
    let ended = false;
    try {
      while (!(await reader.read()).done) { /* what was queued */ }
      ended = true;
    } catch {
      ended = true; // aborted: the connection is cut, not closed cleanly
    }
    assert(ended);

    // The slot is free again, and a client that reads is never ended.
    const read = await events(saleId);
    assertEquals(read.status, 200);
    assertEquals((await events(saleId)).status, 429, "one stream per client here");
    const r = read.body!.getReader();
    const until = Date.now() + 1_000;
    let frames = 0;
    while (Date.now() < until) {
      const { done } = await r.read();
      assert(!done, "a stream that is read stays open");
      frames++;
    }
    assert(frames > 5, `heartbeats arrived (${frames})`);
    assertEquals(feed.clients, 1);
    await r.cancel();
    await waitFor("the cancelled stream to go", () => feed.clients === 0);
  } finally {
    feed.stop();
    await app.close();
  }
});

Deno.test("after stop(), a new event stream is refused and the poll loop stays off", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    const server = buildApp(app.platform);
    const url = `http://localhost/api/sales/${saleId}/events`;
    // One stream on its way in (reading the stock) as the feed stops, one after.
    const racing = server.fetch(new Request(url));
    app.platform.live.stop();
    const late = await server.fetch(new Request(url));
    for (const res of [await racing, late]) {
      assertEquals(res.status, 503);
      assertEquals((await res.json()).error.code, "SHUTTING_DOWN");
    }
    assertEquals(app.platform.live.clients, 0);
    // Deno's sanitizer fails this test if a poll-loop or heartbeat timer was left armed.
  } finally {
    await app.close();
  }
});
