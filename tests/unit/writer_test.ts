import { OrderWriter, type WriterOptions } from "../../lib/orders/writer.ts";
import { type ReservedOrder, type Settled, writtenOrder } from "../../lib/domain/order.ts";
import type { Settle } from "../../lib/orders/settle.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

function reserved(n: number): ReservedOrder {
  return {
    id: `order-${n}`,
    saleId: 1,
    userId: `shopper-${n}`,
    quantity: 1,
    createdAtMs: 0,
    outboxId: `0-${n}`,
  };
}

/** The batches the writer handed over, each settled when the test says so. */
function recording() {
  const batches: ReservedOrder[][] = [];
  const release: (() => void)[] = [];
  const settle: Settle = (batch) => {
    batches.push(batch);
    return new Promise((resolve) => {
      release.push(() =>
        resolve({
          settled: batch.map((o): Settled => ({
            kind: "COMMITTED",
            order: writtenOrder(o, "confirmed", null),
          })),
          redis: Promise.resolve(),
        })
      );
    });
  };
  return { batches, release, settle };
}

/** A writer over `settle`: no window, one batch in flight, a deadline out of the way. */
function writerOf(settle: Settle, options: Partial<WriterOptions> = {}): OrderWriter {
  return new OrderWriter(settle, {
    windowMs: 0,
    maxBatch: 500,
    maxInFlight: 1,
    timeoutMs: 60_000,
    ...options,
  });
}

/** A write's answer as a word: its kind, or TIMEOUT. */
function kindOf(s: Settled | "TIMEOUT"): string {
  return s === "TIMEOUT" ? s : s.kind;
}

/** Lets every pending microtask run, and no timer. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

Deno.test("writer without a window: rows handed in together are one batch, written before any timer", async () => {
  const { batches, release, settle } = recording();
  const writer = writerOf(settle);
  const first = [1, 2, 3].map((n) => writer.write(reserved(n)));
  await microtasks();
  assertEquals(batches.map((b) => b.map((o) => o.id)), [["order-1", "order-2", "order-3"]]);

  // While that batch is being written, what arrives waits and goes next, together.
  const second = [4, 5].map((n) => writer.write(reserved(n)));
  await microtasks();
  assertEquals(batches.length, 1);
  release.shift()!();
  assertEquals((await Promise.all(first)).map(kindOf), [
    "COMMITTED",
    "COMMITTED",
    "COMMITTED",
  ]);
  await microtasks();
  assertEquals(batches.map((b) => b.length), [3, 2]);
  release.shift()!();
  assertEquals((await Promise.all(second)).length, 2);
  await writer.drain();
});

Deno.test("writer with a window: the first row waits for company until the window ends", async () => {
  const { batches, release, settle } = recording();
  const writer = writerOf(settle, { windowMs: 20 });
  const first = writer.write(reserved(1));
  await microtasks();
  assertEquals(batches.length, 0);
  const second = writer.write(reserved(2));
  await new Promise((r) => setTimeout(r, 40));
  assertEquals(batches.map((b) => b.length), [2]);
  release.shift()!();
  await Promise.all([first, second]);
  await writer.drain();
});

Deno.test("writer: a caller held past timeoutMs is answered TIMEOUT at its own deadline, and its row is still written", async () => {
  const { batches, release, settle } = recording();
  const writer = writerOf(settle, { timeoutMs: 50 });
  const started = performance.now();
  const held = [1, 2].map((n) => writer.write(reserved(n)));
  await new Promise((r) => setTimeout(r, 25));
  const later = writer.write(reserved(3)); // queued behind the held batch, its own deadline
  assertEquals(await Promise.all(held), ["TIMEOUT", "TIMEOUT"]);
  const waited = performance.now() - started;
  assert(waited >= 49 && waited < 1000, `the first two waited ${waited} ms`);
  assertEquals(await later, "TIMEOUT");
  assert(performance.now() - started >= 74, "the third waited its own 50 ms");
  // The rows are written all the same: the batch in flight, then the one queued behind it.
  release.shift()!();
  await microtasks();
  release.shift()!();
  await writer.drain();
  assertEquals(batches.map((b) => b.map((o) => o.id)), [["order-1", "order-2"], ["order-3"]]);

  // Answered in time: its commit, not TIMEOUT, and no timer left behind (the test's sanitizer).
  const quick = writer.write(reserved(4));
  await microtasks();
  release.shift()!();
  assertEquals(kindOf(await quick), "COMMITTED");
  await writer.drain();
});
