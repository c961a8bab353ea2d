/**
 * Opens many Server-Sent Event streams to one sale and holds them open, counting the updates they
 * receive: run it next to `deno task load` to see whether open streams slow purchases down.
 *
 *   deno run --allow-net loadtest/sse_streams.ts --url http://127.0.0.1:8000 --sale 1 --streams 5000
 *
 * From one address, the server must allow that many: start it with EVENT_STREAMS_PER_IP=5000.
 *
 * Prints a line once every stream is open, then one every 5 s; stops on Ctrl-C (or SIGTERM).
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8000" },
    sale: { type: "string", default: "1" },
    streams: { type: "string", default: "5000" },
  },
});
const total = Number(values.streams);
const url = `${values.url}/api/sales/${values.sale}/events`;
const abort = new AbortController();
let open = 0;
let failed = 0;
let events = 0;

async function hold(): Promise<void> {
  try {
    const res = await fetch(url, { signal: abort.signal });
    if (!res.ok || !res.body) {
      failed++;
      return;
    }
    open++;
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      events += decoder.decode(chunk, { stream: true }).split("event: sale").length - 1;
    }
  } catch {
    if (!abort.signal.aborted) failed++;
  }
}

const started = performance.now();
// Opened in waves, so the server is not asked for 5,000 connections in one instant.
const done: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  done.push(hold());
  if (i % 250 === 249) await new Promise((r) => setTimeout(r, 50));
}
while (open + failed < total) await new Promise((r) => setTimeout(r, 100));
console.log(
  `${open} streams open (${failed} failed) in ${Math.round(performance.now() - started)} ms`,
);
const report = setInterval(() => console.log(`${open} open, ${events} updates received`), 5000);
const stop = () => {
  clearInterval(report);
  abort.abort();
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
await Promise.all(done);
console.log(`closed; ${events} updates received in all`);
Deno.exit(0);
