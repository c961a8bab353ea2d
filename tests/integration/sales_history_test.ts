/**
 * A shop keeps its past sales: reads, the home page, the sale cache and /metrics must not grow
 * with them. Sales are made by SQL, as years of history would leave them.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { HELD_WRITER, startTestApp, type TestApp } from "../helpers/app.ts";
import { call, createSale, purchase } from "../helpers/client.ts";
import { createTestDatabase } from "../helpers/env.ts";
import { connectDb, type Sql } from "../../lib/infra/db.ts";
import { metricsKeys } from "../../lib/infra/metrics.ts";
import { buildAssets } from "../../lib/build.ts";

/**
 * Adds `count` sales named `<kind> n`: `ended` ended 2 days ago (past the cache's window),
 * `active` open for a day, `upcoming` opening tomorrow. Returns their ids.
 */
async function addSales(
  sql: Sql,
  kind: "ended" | "active" | "upcoming",
  count: number,
): Promise<number[]> {
  const [startDays, endDays] = ({ ended: [-3, -2], active: [-1, 1], upcoming: [1, 2] } as const)[
    kind
  ];
  const rows = await sql<{ id: string }[]>`
    INSERT INTO sales (name, description, total_stock, per_user_limit, start_time, end_time)
    SELECT ${kind} || ' ' || n, 'Made by SQL', 10, 1,
           now() + make_interval(days => ${startDays}), now() + make_interval(days => ${endDays})
    FROM generate_series(1, ${count}) AS n
    RETURNING id`;
  return rows.map((r) => Number(r.id));
}

async function withHistory(
  fill: (sql: Sql) => Promise<void>,
  run: (app: TestApp) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const db = await createTestDatabase();
  const sql = connectDb(db.url, { max: 1 });
  try {
    await fill(sql);
  } finally {
    await sql.end();
  }
  const app = await startTestApp(env, db);
  try {
    await run(app);
  } finally {
    await app.close();
  }
}

Deno.test("GET /api/sales pages newest first: limit, a cursor walk that returns each sale once, the status filter", async () => {
  const ids: Record<string, number[]> = {};
  await withHistory(async (sql) => {
    ids.ended = await addSales(sql, "ended", 120);
    ids.active = await addSales(sql, "active", 5);
    ids.upcoming = await addSales(sql, "upcoming", 4);
  }, async (app) => {
    const all = [1, ...ids.ended!, ...ids.active!, ...ids.upcoming!].sort((a, b) => b - a);

    // Without parameters: the newest 50, and where to go on (a client of {sales} still reads it).
    const first = await call(app.url, "GET", "/api/sales");
    assertEquals(first.status, 200);
    assertEquals(first.body.sales.map((s: { id: number }) => s.id), all.slice(0, 50));
    assertEquals(typeof first.body.nextCursor, "string");

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/api/sales?limit=7${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await call(app.url, "GET", path);
      assertEquals(page.status, 200, JSON.stringify(page.body));
      assert(page.body.sales.length <= 7);
      seen.push(...page.body.sales.map((s: { id: number }) => s.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    assertEquals(seen, all, "each sale once, newest first");
    assertEquals(pages, Math.ceil(all.length / 7));

    for (
      const [status, expected] of [
        ["ACTIVE", [1, ...ids.active!]],
        ["UPCOMING", ids.upcoming!],
        ["ENDED", ids.ended!],
      ] as const
    ) {
      const got: number[] = [];
      let next: string | null = null;
      do {
        const page = await call(
          app.url,
          "GET",
          `/api/sales?status=${status}&limit=200${next ? `&cursor=${next}` : ""}`,
        );
        assertEquals(page.status, 200);
        for (const s of page.body.sales) assertEquals(s.status, status);
        got.push(...page.body.sales.map((s: { id: number }) => s.id));
        next = page.body.nextCursor;
      } while (next !== null);
      assertEquals(got, [...expected].sort((a, b) => b - a), status);
    }
    const max = await call(app.url, "GET", "/api/sales?limit=200");
    assertEquals(max.body.sales.length, 130);
    assertEquals(max.body.nextCursor, null);
  });
});

Deno.test("the home page with 2,000 past sales: bounded, live and upcoming, the 10 latest ended and a link to more", async () => {
  await buildAssets(); // the page links them
  const ids: Record<string, number[]> = {};
  await withHistory(async (sql) => {
    ids.ended = await addSales(sql, "ended", 2000);
    ids.active = await addSales(sql, "active", 3);
    ids.upcoming = await addSales(sql, "upcoming", 2);
  }, async (app) => {
    const res = await fetch(`${app.url}/`, { headers: { accept: "text/html" } });
    const html = await res.text();
    assertEquals(res.status, 200);
    const bytes = new TextEncoder().encode(html).length;
    assert(bytes < 64_000, `home page is ${bytes} bytes`);
    const shown = (page: string) =>
      [...page.matchAll(/data-testid="sale-(\d+)"/g)].map((m) => Number(m[1]));
    const ended = (page: string) => (page.match(/class="card card-ended"/g) ?? []).length;
    const latest = [...ids.ended!].sort((a, b) => b - a);
    for (const id of [1, ...ids.active!, ...ids.upcoming!]) {
      assert(shown(html).includes(id), `sale ${id} missing`);
    }
    assertEquals(ended(html), 10);
    assertEquals(shown(html).filter((id) => ids.ended!.includes(id)), latest.slice(0, 10));

    const more = html.match(/href="([^"]+)" data-testid="more-ended"/)?.[1];
    assert(more, "no link to older ended sales");
    const next = await (await fetch(`${app.url}${more.replaceAll("&amp;", "&")}`)).text();
    assertEquals(shown(next).filter((id) => ids.ended!.includes(id)), latest.slice(10, 20));
    assert(shown(next).includes(ids.active![0]!), "the next page keeps the live sales");
  });
});

Deno.test("a past sale: not held in memory, readable by id, its purchase answers SALE_NOT_ACTIVE ENDED", async () => {
  let past = 0;
  await withHistory(async (sql) => {
    [past] = await addSales(sql, "ended", 1) as [number];
  }, async (app) => {
    assertEquals(app.platform.cache.get(past), undefined, "a past sale is held in memory");
    assertEquals(app.platform.cache.get(1)?.id, 1);

    const read = await call(app.url, "GET", `/api/sales/${past}`);
    assertEquals([read.status, read.body.id, read.body.status], [200, past, "ENDED"]);
    const bought = await call(app.url, "POST", `/api/sales/${past}/purchase`, { userId: "late" });
    assertEquals(
      [bought.status, bought.body.result, bought.body.error?.code],
      [403, "SALE_NOT_ACTIVE", "SALE_NOT_ACTIVE"],
    );
    assert(/ended/i.test(bought.body.message), bought.body.message);
    const seed = await call(app.url, "POST", "/purchase", { userId: "late", saleId: past });
    assertEquals([seed.status, seed.body.result], [403, "SALE_NOT_ACTIVE"]);
    const status = await call(app.url, "GET", `/sale/status?saleId=${past}`);
    assertEquals([status.status, status.body.status], [200, "ENDED"]);
    const order = await call(app.url, "GET", `/api/sales/${past}/orders/late`);
    assertEquals(order.body.error?.code, "ORDER_NOT_FOUND");
    const [counted] = await app.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders`;
    assertEquals(counted?.n, 0, "an order was written for a past sale");
    // Still not held: reading it on demand does not bring it back into the window.
    assertEquals(app.platform.cache.get(past), undefined);
    // An id above every sale is answered without growing anything.
    const none = await call(app.url, "GET", `/api/sales/${past + 1000}`);
    assertEquals([none.status, none.body.error?.code], [404, "SALE_NOT_FOUND"]);
  });
});

Deno.test("the refresh reads the rows changed behind its back: a sale moved past leaves memory and /metrics", async () => {
  await withHistory(async () => {}, async (app) => {
    const saleId = await createSale(app.url, { totalStock: 5 });
    assertEquals((await purchase(app.url, saleId, "early")).result, "SUCCESS");
    const series = `flashsale_purchases_total{sale="${saleId}",result="SUCCESS"}`;
    assert((await (await fetch(`${app.url}/metrics`)).text()).includes(`${series} 1`));

    // Another process (or a migration) moved it two days back; no notice was sent.
    await app.sql`
      UPDATE sales SET start_time = now() - interval '3 days', end_time = now() - interval '2 days',
                       updated_at = now()
      WHERE id = ${saleId}`;
    const deadline = Date.now() + 5_000;
    while (app.platform.cache.get(saleId) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assertEquals(app.platform.cache.get(saleId), undefined, "the refresh kept the sale");

    const late = await purchase(app.url, saleId, "late");
    assertEquals([late.status, late.result], [403, "SALE_NOT_ACTIVE"]);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    assert(!text.includes(`{sale="${saleId}"`), "a past sale has series of its own");
    assert(text.includes(`flashsale_purchases_total{sale="past",result="SALE_NOT_ACTIVE"} 1`));
    // The scrape saw the series; the next flush (the scrape's own, here) deletes it from Redis.
    await fetch(`${app.url}/metrics`).then((r) => r.text());
    const { Redis } = await import("ioredis");
    const redis = new Redis(app.config.REDIS_URL);
    try {
      const fields = await redis.hkeys(metricsKeys(app.prefix).counters);
      assertEquals(fields.filter((f) => f.includes(`sale="${saleId}"`)), []);
    } finally {
      redis.disconnect();
    }

    // Moved back into the present, it is held again and sells.
    await app.sql`
      UPDATE sales SET start_time = now() - interval '1 minute', end_time = now() + interval '1 hour',
                       updated_at = now()
      WHERE id = ${saleId}`;
    while (!app.platform.cache.get(saleId) && Date.now() < deadline + 5_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assertEquals(app.platform.cache.get(saleId)?.id, saleId, "the refresh missed the change");
  }, { SALE_REFRESH_MS: "200" });
});

Deno.test("a sale that leaves memory with reservations still unwritten: the sweeper writes them all the same", async () => {
  // The writer holds its batch (as when PostgreSQL is away); the sweeper takes entries after 2 s.
  const env = {
    ...HELD_WRITER,
    OUTBOX_MIN_AGE_MS: "2000",
    SWEEP_INTERVAL_MS: "200",
    SALE_REFRESH_MS: "200",
  };
  await withHistory(async () => {}, async (app) => {
    const saleId = await createSale(app.url, { totalStock: 5 });
    const held = await purchase(app.url, saleId, "held");
    assertEquals([held.status, held.result], [202, "PENDING"]);

    // Moved two days back with its reservation still only in the outbox: the cache lets it go.
    await app.sql`
      UPDATE sales SET start_time = now() - interval '3 days', end_time = now() - interval '2 days',
                       updated_at = now()
      WHERE id = ${saleId}`;
    const deadline = Date.now() + 10_000;
    while (app.platform.cache.get(saleId) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assertEquals(app.platform.cache.get(saleId), undefined, "the refresh kept the sale");

    let rows = 0;
    while (rows === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const [row] = await app.sql<{ rows: number }[]>`
        SELECT count(*)::int AS rows FROM orders WHERE sale_id = ${saleId} AND user_id = 'held'`;
      rows = row?.rows ?? 0;
    }
    assertEquals(rows, 1, "the reservation of a sale no longer in memory was never written");
    // Its outbox entry is trimmed after the commit (within TRIM_WAIT_MS, or with the next call).
    let outbox = await app.platform.gate.outboxLength(saleId);
    while (outbox > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      outbox = await app.platform.gate.outboxLength(saleId);
    }
    assertEquals(outbox, 0, "the written entry stayed in the outbox");
  }, env);
});
