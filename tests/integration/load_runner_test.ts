/**
 * `deno task load` as a user runs it: a subprocess against the real server (main.ts, a process of
 * its own), with PostgreSQL given, so every check of the runner runs; its exit code, JSON result
 * and HTML report are what is asserted, and the rows are counted again here.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { ADMIN_TOKEN } from "../helpers/env.ts";
import { CHECKOUT_ENV } from "../helpers/checkout.ts";
import { serverFixture, ServerProcess } from "../helpers/processes.ts";
import type { RunResult } from "../../loadtest/report.ts";

const RUNNER = new URL("../../loadtest/run.ts", import.meta.url).pathname;

async function load(
  url: string,
  databaseUrl: string,
  args: string[],
): Promise<{ code: number; stdout: string; result: RunResult; html: string }> {
  const dir = await Deno.makeTempDir({ prefix: "fs-load-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        RUNNER,
        "--url",
        url,
        "--database-url",
        databaseUrl,
        "--out",
        `${dir}/run`,
        ...args,
      ],
      env: { ADMIN_TOKEN, ...CHECKOUT_ENV },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const result = JSON.parse(await Deno.readTextFile(`${dir}/run.json`)) as RunResult;
    return { code: out.code, stdout, result, html: await Deno.readTextFile(`${dir}/run.html`) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("deno task load: burst, storm, read, queue and checkout pass their checks against the real server", async (t) => {
  // The runner stands as the shoppers' proxy: each honest shopper's X-Forwarded-For is its own,
  // the bot farm's is one address, which the join limit catches.
  const f = await serverFixture({
    TRUSTED_PROXY_HOPS: "1",
    QUEUE_JOINS_PER_IP: "10",
    ...CHECKOUT_ENV,
  });
  const { db, sql } = f;
  const server = new ServerProcess(f.env);
  const soldIn = async (saleId: number) => {
    const [row] = await sql<{ sold: number; shoppers: number }[]>`
      SELECT coalesce(sum(quantity), 0)::int AS sold, count(DISTINCT user_id)::int AS shoppers
      FROM orders WHERE sale_id = ${saleId}`;
    return row!;
  };
  try {
    await server.start();

    await t.step("burst: 3,000 shoppers, 200 at a time, for 100 items", async () => {
      const run = await load(server.url, db.url, [
        "--scenario",
        "burst",
        "--shoppers",
        "3000",
        "--stock",
        "100",
        "--concurrency",
        "200",
      ]);
      assertEquals(run.code, 0, run.stdout);
      assertEquals(run.result.passed, true);
      assertEquals(run.result.purchases.requests, 3000);
      assertEquals(run.result.purchases.outcomes, { SOLD_OUT: 2900, SUCCESS: 100 });
      // The API checks and the PostgreSQL ones all ran, and all held.
      assertEquals(run.result.checks.filter((c) => c.name.startsWith("PostgreSQL")).length, 5);
      assertEquals(run.result.checks.filter((c) => !c.ok), []);
      assert(run.stdout.includes("requests/s") && run.stdout.includes("p99"));
      assert(run.result.purchases.series.length > 0);
      assert(run.html.includes("<svg") && !/(src|href)="https?:/.test(run.html));
      assertEquals(await soldIn(run.result.saleId), { sold: 100, shoppers: 100 });
    });

    await t.step("storm: 200 shoppers clicking 5 times at once, for 50 items", async () => {
      const run = await load(server.url, db.url, [
        "--scenario",
        "storm",
        "--shoppers",
        "200",
        "--clicks",
        "5",
        "--stock",
        "50",
        "--concurrency",
        "100",
      ]);
      assertEquals(run.code, 0, run.stdout);
      assertEquals(run.result.purchases.requests, 1000);
      assertEquals(run.result.purchases.outcomes.SUCCESS, 50);
      assertEquals(run.result.notes.distinctShoppers, 200);
      assertEquals(await soldIn(run.result.saleId), { sold: 50, shoppers: 50 });
    });

    await t.step("read: pollers and event streams during a rush", async () => {
      const run = await load(server.url, db.url, [
        "--scenario",
        "read",
        "--shoppers",
        "500",
        "--stock",
        "40",
        "--concurrency",
        "50",
        "--readers",
        "4",
        "--streams",
        "4",
      ]);
      assertEquals(run.code, 0, run.stdout);
      assert((run.result.reads?.requests ?? 0) > 0);
      assertEquals(run.result.reads?.errors, 0);
      assert(run.result.checks.some((c) => c.name.startsWith("every event stream") && c.ok));
      assertEquals(await soldIn(run.result.saleId), { sold: 40, shoppers: 40 });
    });

    await t.step(
      "queue: a waiting room, bots on one address, clients skipping the line",
      async () => {
        const run = await load(server.url, db.url, [
          "--scenario",
          "queue",
          "--shoppers",
          "30",
          "--arrival",
          "3",
          "--prequeue",
          "1",
          "--stock",
          "10",
          "--bots",
          "12",
          "--skippers",
          "2",
          "--pow-bits",
          "8",
        ]);
        assertEquals(run.code, 0, run.stdout);
        assertEquals(run.result.checks.filter((c) => !c.ok), []);
        const q = run.result.queue!;
        // After the start, the line is the order of arrival: no pair reversed, and some ordered.
        assertEquals(q.afterStart.tau, 1, run.stdout);
        assert(q.afterStart.concordant > 0 && q.prequeue.tickets > 0, run.stdout);
        // Admissions in the line's order, each with its own admittedSeq: pairs are compared.
        assertEquals(q.lineOrder.discordant, 0);
        assert(q.lineOrder.concordant > 0, run.stdout);
        // Skipping the line buys nothing, however often.
        assert(q.skippers.purchases > 0);
        assertEquals(q.skippers.wins, 0);
        // The bots' one address hit the join limit; the honest shoppers' addresses did not.
        assert(q.bots.rateLimited > 0 && q.bots.tickets < 12, run.stdout);
        assertEquals(q.honest.rateLimited, 0);
        assertEquals(q.honest.tickets, 30);
        assert(q.samples.length > 0 && run.html.includes("The line over time"));
        // PostgreSQL: the stock sold exactly, once per buyer, and only to those with a ticket.
        assertEquals(await soldIn(run.result.saleId), { sold: 10, shoppers: 10 });
        assertEquals(q.honest.buyers + q.bots.buyers, 10);
      },
    );

    await t.step(
      "checkout: holds paid, abandoned, cancelled and paid late; the returned stock sells again",
      async () => {
        // The shortest hold the API allows (30 s): the run waits for the abandoned ones to expire.
        const run = await load(server.url, db.url, [
          "--scenario",
          "checkout",
          "--shoppers",
          "40",
          "--stock",
          "20",
          "--concurrency",
          "20",
          "--abandon",
          "0.25",
          "--cancel",
          "0.25",
          "--late",
          "2",
          "--later",
          "4",
        ]);
        assertEquals(run.code, 0, run.stdout);
        assertEquals(run.result.checks.filter((c) => !c.ok), []);
        // Every kind of check ran: I6-I8 among them, against PostgreSQL.
        for (const part of ["(I6)", "(I7)", "(I8)", "latePayments", "admin stats: held 0"]) {
          assert(run.result.checks.some((c) => c.name.includes(part)), part);
        }
        const c = run.result.checkout!;
        assertEquals(c.paid + c.expired + c.cancelled, c.won + c.wonLater);
        assert(c.cancelled > 0 && c.expired > c.late, run.stdout);
        assertEquals([c.late, c.lateRefused], [2, 2]);
        // Every item that came back sold again, and all of them are paid in the end.
        assertEquals(c.resale.soldAgain, c.resale.returned);
        // Each hold that ended unpaid was won again by someone else (in the rush, when a cancel came
        // that early, else by a later shopper): 20 live orders, and one more win per ended hold.
        assertEquals(c.won + c.wonLater, 20 + c.expired + c.cancelled);
        assert(run.html.includes("Checkout holds"));
        const [rows] = await sql<
          { paid: number; expired: number; cancelled: number; unreleased: number; late: number }[]
        >`
          SELECT count(*) FILTER (WHERE status = 'paid')::int AS paid,
                 count(*) FILTER (WHERE status = 'expired')::int AS expired,
                 count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
                 count(*) FILTER (WHERE status IN ('expired', 'cancelled')
                   AND released_at IS NULL)::int AS unreleased,
                 (SELECT count(*)::int FROM payment_events
                   WHERE sale_id = ${run.result.saleId} AND outcome = 'late') AS late
          FROM orders WHERE sale_id = ${run.result.saleId}`;
        assertEquals(rows, {
          paid: 20,
          expired: c.expired,
          cancelled: c.cancelled,
          unreleased: 0,
          late: 2,
        });
      },
    );
  } finally {
    await f.close([server]);
  }
});
