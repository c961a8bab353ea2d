import type { Browser, Page } from "playwright-core";
import type { TestApp } from "../helpers/app.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { createSale } from "../helpers/client.ts";
import { buyWith, joinLine, waitPast } from "../helpers/line.ts";
import {
  hydrated,
  launchBrowser,
  openPage,
  screenshots,
  type WatchedPage,
  withApp,
} from "./browser.ts";

/** Generous: the machine is shared and slow at times. */
const WAIT = { timeout: 15_000 };

/** A small proof (256 tries expected), so the tests spend their time on the page, not hashing. */
const ROOM = { powBits: 8, admissionTtlSeconds: 60, overbook: 1, prequeueMinutes: 5 };

async function ordersOf(app: TestApp, saleId: number): Promise<{ user_id: string; id: string }[]> {
  return [
    ...await app.sql<{ user_id: string; id: string }[]>`
      SELECT user_id, id FROM orders WHERE sale_id = ${saleId} ORDER BY user_id`,
  ];
}

function noErrors(watched: WatchedPage): void {
  assertEquals(watched.errors, []);
}

/**
 * Remembers whether the proof's progress was ever on the page (it may last only a moment at 8
 * bits), and every proof-of-work worker the page started.
 */
async function watchProof(
  page: Page,
): Promise<{ seen: () => Promise<boolean>; workers: string[] }> {
  const workers: string[] = [];
  page.on("worker", (worker) => workers.push(new URL(worker.url()).pathname));
  await page.evaluate(() => {
    const mark = () => {
      if (document.querySelector('[data-testid="proof"] [role="progressbar"]')) {
        document.body.dataset.sawProof = "";
      }
    };
    new MutationObserver(mark).observe(document.body, { childList: true, subtree: true });
  });
  return {
    seen: () => page.evaluate(() => document.body.dataset.sawProof !== undefined),
    workers,
  };
}

async function join(page: Page, userId: string): Promise<void> {
  await page.getByLabel("User ID").fill(userId);
  await page.getByRole("button", { name: "Join the line" }).click();
}

Deno.test("the waiting room's page in Chromium", async (t) => {
  const browser: Browser = await launchBrowser();
  try {
    await t.step(
      "a shopper joins, is admitted and buys; the next one waits, then sees it sold out",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Limited Edition Vinyl",
            totalStock: 1,
            perUserLimit: 1,
            waitingRoom: ROOM,
          });
          const ann = await openPage(context, `${app.url}/sales/${saleId}`);
          await hydrated(ann.page);
          // No plain buy form: the line comes first.
          assertEquals(await ann.page.getByRole("button", { name: "Buy now" }).count(), 0);
          await screenshots(ann.page, "line-join");
          const proof = await watchProof(ann.page);
          await join(ann.page, "ann");
          await ann.page.getByTestId("line-turn").waitFor(WAIT);
          assert(await proof.seen(), "the proof's progress was never shown");
          assertEquals(proof.workers.length, 1);
          assertMatch(proof.workers[0]!, /^\/static\/build\/pow-[A-Z0-9]+\.js$/);
          assertMatch(
            await ann.page.getByTestId("admission-timer").textContent() ?? "",
            /Buy within\s*[01]:\d\d/,
          );

          // The second shopper, in a browser of their own, waits behind the admitted one.
          const other = await browser.newContext();
          try {
            const bob = await openPage(other, `${app.url}/sales/${saleId}`);
            await hydrated(bob.page);
            await join(bob.page, "bob");
            const place = bob.page.getByTestId("line-position");
            await place.waitFor(WAIT);
            assertMatch(await place.textContent() ?? "", /You are number\s*1\s*in line/);
            assertMatch(await place.textContent() ?? "", /You are next/);
            await screenshots(bob.page, "line-waiting");
            await screenshots(ann.page, "line-admitted");

            await ann.page.getByRole("button", { name: "Buy now" }).click();
            await ann.page.getByTestId("result").getByText("Order confirmed").waitFor(WAIT);
            const orders = await ordersOf(app, saleId);
            assertEquals(orders.map((o) => o.user_id), ["ann"]);
            assertEquals(await ann.page.getByTestId("order-id").textContent(), orders[0]!.id);
            await screenshots(ann.page, "line-bought");

            // Bob's page learns it from the stream: sold out, with the one who was ahead.
            const result = bob.page.getByTestId("result");
            await result.getByText("Sold out").waitFor(WAIT);
            assertMatch(await result.textContent() ?? "", /1 shopper was ahead of you/);
            assertEquals(await bob.page.getByTestId("line-position").count(), 0);
            await screenshots(bob.page, "line-sold-out");

            // A reload keeps the ticket: still sold out, without joining again.
            await bob.page.reload();
            await result.getByText("Sold out").waitFor(WAIT);
            assertEquals(await bob.page.getByRole("button", { name: "Join the line" }).count(), 0);
            noErrors(bob);
          } finally {
            await other.close();
          }

          // Ann reloads: her ticket is used, and the page shows her order.
          await ann.page.reload();
          await ann.page.getByTestId("result").getByText("Your order").waitFor(WAIT);
          assertEquals(
            await ann.page.getByTestId("order-id").textContent(),
            (await ordersOf(app, saleId))[0]!.id,
          );
          noErrors(ann);
        }),
    );

    await t.step(
      "an early joiner is told the order is drawn at the start, then gets a number and buys",
      () =>
        withApp(browser, async (app, context) => {
          const start = Date.now() + 10_000;
          const saleId = await createSale(app.url, {
            name: "Festival Early Tickets",
            totalStock: 10,
            perUserLimit: 2,
            startTime: new Date(start).toISOString(),
            endTime: new Date(start + 3_600_000).toISOString(),
            waitingRoom: ROOM,
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          assertEquals(await page.getByTestId("status").textContent(), "Upcoming");
          await join(page, "early-eve");
          const drawing = page.getByTestId("line-drawing");
          await drawing.waitFor(WAIT);
          assertMatch(await drawing.textContent() ?? "", /drawn at random when the sale starts/);
          assertMatch(await page.getByTestId("countdown").textContent() ?? "", /Starts in/);
          await screenshots(page, "line-drawing");

          await page.getByTestId("line-turn").waitFor(WAIT);
          assert(Date.now() >= start - 1000, "admitted before the sale started");
          await page.getByLabel("Quantity").selectOption("2");
          await page.getByRole("button", { name: "Buy now" }).click();
          await page.getByTestId("result").getByText("Order confirmed").waitFor(WAIT);
          assertEquals((await ordersOf(app, saleId)).map((o) => o.user_id), ["early-eve"]);
          noErrors(watched);
        }),
    );

    await t.step(
      "an admission unused in its time expires, and the page says so",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Mechanical Keyboard Kit",
            totalStock: 5,
            waitingRoom: { ...ROOM, admissionTtlSeconds: 10 },
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          await join(page, "slow-sam");
          await page.getByTestId("line-turn").waitFor(WAIT);
          const result = page.getByTestId("result");
          await result.getByText("Your turn has passed").waitFor({ timeout: 20_000 });
          assertMatch(await result.textContent() ?? "", /lasted 10 seconds/);
          assertEquals(await page.getByRole("button", { name: "Buy now" }).count(), 0);
          await screenshots(page, "line-expired");
          assertEquals(await ordersOf(app, saleId), []);
          noErrors(watched);
        }),
    );

    await t.step(
      "a line lost on the server (Redis restarted): the page says so, joins again and buys",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Signed Art Print",
            totalStock: 1,
            waitingRoom: ROOM,
          });
          // Someone is admitted first, so the page's shopper waits behind them.
          const first = await joinLine(app.url, saleId, "first-in-line");
          assertEquals(first.status, 201);
          const admitted = await waitPast(app.url, saleId, first.body.ticket);
          assertEquals(admitted.body.state, "admitted");

          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          await join(page, "ann");
          await page.getByTestId("line-position").waitFor(WAIT);

          // The line's keys go, as when Redis restarts without persistence: the stream's count
          // goes back, and the page reads its ticket, which the line no longer holds.
          await app.platform.line.clear(saleId);
          const result = page.getByTestId("result");
          await result.getByText("Your place in line was lost").waitFor(WAIT);
          assertEquals(await page.getByTestId("line-position").count(), 0);
          await screenshots(page, "line-lost");

          await page.getByRole("button", { name: "Join again" }).click();
          await page.getByTestId("line-turn").waitFor(WAIT);
          // The lost line's admission buys nothing; the new one does.
          const stale = await buyWith(app.url, saleId, "first-in-line", admitted.body.admission);
          assertEquals([stale.status, stale.body.error?.code], [403, "ADMISSION_INVALID"]);
          await page.getByRole("button", { name: "Buy now" }).click();
          await result.getByText("Order confirmed").waitFor(WAIT);
          assertEquals((await ordersOf(app, saleId)).map((o) => o.user_id), ["ann"]);
          noErrors(watched);
        }),
    );

    await t.step(
      "without JavaScript the page says the line needs it, and offers no form",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Hand-Thrown Teapot",
            totalStock: 3,
            waitingRoom: ROOM,
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          assertMatch(
            await page.getByTestId("needs-js").textContent() ?? "",
            /needs JavaScript/,
          );
          assertEquals(await page.locator("form").count(), 0);
          assertEquals(await page.getByRole("button").count(), 0);
          await screenshots(page, "line-no-js");

          // A form posted anyway (an old tab, a script) buys nothing: back to the page.
          const posted = await context.request.post(`${app.url}/sales/${saleId}`, {
            form: { userId: "no-js-shopper", quantity: "1", intent: "buy" },
            maxRedirects: 0,
          });
          assertEquals(posted.status(), 303);
          assertEquals(posted.headers()["location"], `/sales/${saleId}`);
          assertEquals(await ordersOf(app, saleId), []);
          noErrors(watched);
        }, { javaScriptEnabled: false }),
    );
  } finally {
    await browser.close();
  }
});
