import type { Browser, BrowserContext } from "playwright-core";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { createSale, purchase } from "../helpers/client.ts";
import {
  hydrated,
  launchBrowser,
  openPage,
  recordStylesheets,
  screenshots,
  type WatchedPage,
} from "./browser.ts";

/** Generous: the machine is shared and slow at times. */
const WAIT = { timeout: 15_000 };

/** A fresh app and browser context; the context closes first, ending its event streams. */
async function withApp(
  browser: Browser,
  run: (app: TestApp, context: BrowserContext) => Promise<void>,
  options: { javaScriptEnabled?: boolean } = {},
): Promise<void> {
  const app = await startTestApp();
  const context = await browser.newContext(options);
  try {
    await run(app, context);
  } finally {
    await context.close();
    await app.close();
  }
}

async function orderIdOf(app: TestApp, saleId: number, userId: string): Promise<string | null> {
  const rows = await app.sql<{ id: string }[]>`
    SELECT id FROM orders WHERE sale_id = ${saleId} AND user_id = ${userId}`;
  return rows[0]?.id ?? null;
}

function noErrors(watched: WatchedPage): void {
  assertEquals(watched.errors, []);
}

Deno.test("shop pages in Chromium", async (t) => {
  const browser: Browser = await launchBrowser();
  try {
    await t.step(
      "the sale page shows the stock, sells, and follows others' purchases",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Aurora Wireless Headphones",
            totalStock: 50,
            perUserLimit: 3,
          });
          const stylesheets = recordStylesheets(context);
          const home = await openPage(context, `${app.url}/`);
          await hydrated(home.page);
          await home.page.getByText("Aurora Wireless Headphones").waitFor(WAIT);
          await screenshots(home.page, "home");
          noErrors(home);

          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          assertEquals(await page.title(), "Aurora Wireless Headphones · Flashline");
          await hydrated(page);
          const remaining = page.getByTestId("remaining");
          assertEquals(await remaining.textContent(), "50");
          await screenshots(page, "sale-active");
          // The admin console's styles are a bundle of their own, which shoppers never download.
          const downloaded = await stylesheets.read();
          assert(downloaded.length > 0, "the shop pages link a stylesheet");
          for (const sheet of downloaded) {
            assert(!sheet.text.includes(".sales-table"), `${sheet.url} holds the admin styles`);
          }

          await page.getByLabel("User ID").fill("shopper-ann");
          await page.getByLabel("Quantity").selectOption("2");
          await page.getByRole("button", { name: "Buy now" }).click();
          const result = page.getByTestId("result");
          await result.getByText("Order confirmed").waitFor(WAIT);
          const shown = await page.getByTestId("order-id").textContent();
          assertEquals(shown, await orderIdOf(app, saleId, "shopper-ann"));
          await page.waitForFunction(
            () => document.querySelector('[data-testid="remaining"]')?.textContent === "48",
            undefined,
            WAIT,
          );
          await screenshots(page, "sale-confirmed");

          // Someone else buys through the API: the open page follows without a reload.
          assertEquals((await purchase(app.url, saleId, "someone-else", 3)).result, "SUCCESS");
          await page.waitForFunction(
            () => document.querySelector('[data-testid="remaining"]')?.textContent === "45",
            undefined,
            WAIT,
          );

          // "Check my order" finds the shopper's order.
          await page.getByRole("button", { name: "Check my order" }).click();
          await result.getByText("Your order").waitFor(WAIT);
          assertEquals(await page.getByTestId("order-id").textContent(), shown);
          noErrors(watched);
        }),
    );

    await t.step(
      "an upcoming sale's countdown turns into the Buy form when it starts",
      () =>
        withApp(browser, async (app, context) => {
          // Room for a slow page load on a busy machine before the start.
          const start = Date.now() + 6_000;
          const saleId = await createSale(app.url, {
            name: "Midnight Sneaker Drop",
            totalStock: 20,
            startTime: new Date(start).toISOString(),
            endTime: new Date(start + 3_600_000).toISOString(),
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          assertEquals(await page.getByTestId("status").textContent(), "Upcoming");
          assertEquals(await page.getByRole("button", { name: "Buy now" }).count(), 0);
          assertMatch(await page.getByTestId("countdown").textContent() ?? "", /Starts in/);
          await screenshots(page, "sale-upcoming");
          await page.getByRole("button", { name: "Buy now" }).waitFor(WAIT);
          assert(Date.now() >= start - 1000, "the form appeared before the sale started");
          assertEquals(await page.getByTestId("status").textContent(), "Live now");
          await page.getByLabel("User ID").fill("early-bird");
          await page.getByRole("button", { name: "Buy now" }).click();
          await page.getByTestId("result").getByText("Order confirmed").waitFor(WAIT);
          noErrors(watched);
        }),
    );

    await t.step(
      "sold-out and already-bought states render",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, { name: "Last Pair of Boots", totalStock: 1 });
          const first = await purchase(app.url, saleId, "winner");
          assertEquals(first.result, "SUCCESS");
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          assertEquals(await page.getByTestId("remaining").textContent(), "0");
          assert(await page.getByTestId("buy").isDisabled());
          assertEquals(await page.getByTestId("buy").textContent(), "Sold out");
          await screenshots(page, "sale-sold-out");

          // The winner comes back: "already bought", with the order they have.
          await page.getByLabel("User ID").fill("winner");
          await page.getByRole("button", { name: "Check my order" }).click();
          await page.getByTestId("result").getByText("Your order").waitFor(WAIT);
          assertEquals(await page.getByTestId("order-id").textContent(), first.orderId);
          noErrors(watched);

          // On a sale with stock, buying again answers "already bought" with the existing order.
          const open = await createSale(app.url, { name: "Denim Jacket", totalStock: 10 });
          const mine = await purchase(app.url, open, "repeat-buyer");
          const again = await openPage(context, `${app.url}/sales/${open}`);
          await hydrated(again.page);
          await again.page.getByLabel("User ID").fill("repeat-buyer");
          await again.page.getByRole("button", { name: "Buy now" }).click();
          await again.page.getByTestId("result").getByText("You already have an order").waitFor(
            WAIT,
          );
          assertEquals(await again.page.getByTestId("order-id").textContent(), mine.orderId);
          await screenshots(again.page, "sale-already-bought");
          noErrors(again);
        }),
    );

    await t.step(
      "the buy form works without JavaScript",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Ceramic Pour-Over Set",
            totalStock: 5,
            perUserLimit: 2,
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          assertEquals(await page.getByTestId("remaining").textContent(), "5");
          await page.getByLabel("User ID").fill("no-js-shopper");
          await page.getByLabel("Quantity").selectOption("2");
          await Promise.all([
            page.waitForURL(`${app.url}/sales/${saleId}`),
            page.getByRole("button", { name: "Buy now" }).click(),
          ]);
          await page.getByTestId("result").getByText("Order confirmed").waitFor(WAIT);
          assertEquals(
            await page.getByTestId("order-id").textContent(),
            await orderIdOf(app, saleId, "no-js-shopper"),
          );
          assertEquals(await page.getByTestId("remaining").textContent(), "3");
          assertEquals(await page.getByLabel("Quantity").inputValue(), "2");
          await screenshots(page, "sale-no-js-confirmed");

          // The same shopper again: already bought, same order; then "Check my order".
          await page.getByRole("button", { name: "Buy now" }).click();
          await page.getByTestId("result").getByText("You already have an order").waitFor(WAIT);
          await page.getByRole("button", { name: "Check my order" }).click();
          await page.getByTestId("result").getByText("Your order").waitFor(WAIT);
          const rows = await app.sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM orders WHERE sale_id = ${saleId}`;
          assertEquals(rows[0]?.n, 1);
          noErrors(watched);
        }, { javaScriptEnabled: false }),
    );
  } finally {
    await browser.close();
  }
});
