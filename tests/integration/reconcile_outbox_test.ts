import { assertEquals } from "../helpers/assert.ts";
import { HELD_WRITER, startTestApp } from "../helpers/app.ts";
import {
  adminAction,
  type Attempt,
  call,
  countBy,
  createSale,
  pool,
  purchase,
} from "../helpers/client.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";

Deno.test("reconcile while reservations are not yet in PostgreSQL never sells their items again", async () => {
  const app = await startTestApp(HELD_WRITER);
  try {
    const saleId = await createSale(app.url, { totalStock: 10 });
    const first = await pool(6, 6, (i) => purchase(app.url, saleId, `held-${i}`));
    assertEquals(countBy(first, (a) => `${a.status} ${a.result}`), { "202 PENDING": 6 });
    const [before] = await app.sql`SELECT count(*)::int AS n FROM orders WHERE sale_id = ${saleId}`;
    assertEquals(before?.n, 0, "the held writer has written nothing yet");

    const res = await adminAction(app.url, saleId, "reconcile");
    assertEquals(res.status, 200);
    // Counting PostgreSQL first would have said 10 left; draining first keeps it at 4.
    assertEquals([res.body.drift.outboxDrained, res.body.drift.stockAfter], [6, 4]);

    const rest = await pool(30, 30, (i) => purchase(app.url, saleId, `after-${i}`));
    assertEquals(countBy(rest, (a) => a.result), { PENDING: 4, SOLD_OUT: 26 });
    await app.platform.writer.drain(); // the held batches finally go in: same ids, no harm

    const all: Attempt[] = [...first, ...rest];
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.sold, state.orders, state.remaining], [10, 10, 0]);
    assertEquals(await breaches(app.sql, state, saleId, all), NO_BREACHES);
  } finally {
    await app.close();
  }
});

Deno.test("a reset while writes are in flight: the old reservations never land afterwards", async () => {
  const app = await startTestApp(HELD_WRITER);
  try {
    const saleId = await createSale(app.url, { totalStock: 10 });
    const before = await pool(6, 6, (i) => purchase(app.url, saleId, `old-${i}`));
    assertEquals(countBy(before, (a) => a.result), { PENDING: 6 });

    const reset = await adminAction(app.url, saleId, "reset");
    assertEquals([reset.status, reset.body.reset.stockAfter], [200, 10]);

    const after = await pool(20, 20, (i) => purchase(app.url, saleId, `new-${i}`));
    assertEquals(countBy(after, (a) => a.result), { PENDING: 10, SOLD_OUT: 10 });
    // The held writer now flushes both generations: the 6 from before the reset are void.
    await app.platform.writer.drain();

    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.sold, state.orders, state.remaining], [10, 10, 0]);
    const rows = await app.sql`SELECT user_id FROM orders WHERE sale_id = ${saleId}`;
    assertEquals(rows.filter((r) => String(r.user_id).startsWith("old-")).length, 0);
  } finally {
    await app.close();
  }
});

Deno.test("ALREADY_PURCHASED says pending while the order is not in PostgreSQL yet, then confirmed", async () => {
  const app = await startTestApp(HELD_WRITER);
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    const path = `/api/sales/${saleId}/purchase`;
    const first = await call(app.url, "POST", path, { userId: "patient" });
    assertEquals([first.status, first.body.order.status], [202, "pending"]);
    const again = await call(app.url, "POST", path, { userId: "patient" });
    assertEquals([again.status, again.body.order.id, again.body.order.status], [
      409,
      first.body.order.id,
      "pending",
    ]);

    await app.platform.writer.drain(); // committed, and its outbox entry trimmed
    const later = await call(app.url, "POST", path, { userId: "patient" });
    assertEquals([later.status, later.body.order.id, later.body.order.status], [
      409,
      first.body.order.id,
      "confirmed",
    ]);
  } finally {
    await app.close();
  }
});
