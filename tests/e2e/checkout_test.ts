import type { Browser, Page } from "playwright-core";
import type { TestApp } from "../helpers/app.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { createSale } from "../helpers/client.ts";
import { ADMIN_TOKEN } from "../helpers/env.ts";
import { CHECKOUT_ENV, sendPayment } from "../helpers/checkout.ts";
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

interface Row {
  id: string;
  user_id: string;
  status: string;
}

async function rowsOf(app: TestApp, saleId: number): Promise<Row[]> {
  return [
    ...await app.sql<Row[]>`
      SELECT id, user_id, status FROM orders WHERE sale_id = ${saleId}
      ORDER BY user_id, created_at`,
  ];
}

/** Waits until PostgreSQL holds the shopper's hold: the page's purchase has been answered. */
async function heldFor(app: TestApp, saleId: number, userId: string): Promise<void> {
  const deadline = Date.now() + WAIT.timeout;
  while (!(await rowsOf(app, saleId)).some((r) => r.user_id === userId && r.status === "held")) {
    assert(Date.now() < deadline, `no hold for ${userId} in PostgreSQL`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Puts the shopper's hold deadline in the past (the test owns its database). */
async function lapse(app: TestApp, saleId: number, userId: string): Promise<void> {
  await app.sql`
    UPDATE orders SET hold_expires_at = now() - interval '1 second'
    WHERE sale_id = ${saleId} AND user_id = ${userId} AND status = 'held'`;
}

function noErrors(watched: WatchedPage): void {
  assertEquals(watched.errors, []);
}

async function textOf(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).textContent()) ?? "";
}

async function buy(page: Page, userId: string): Promise<void> {
  await page.getByLabel("User ID").fill(userId);
  await page.getByRole("button", { name: "Buy now" }).click();
}

async function remainingIs(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid="remaining"]')?.textContent === want,
    String(n),
    WAIT,
  );
}

Deno.test("checkout pages in Chromium", async (t) => {
  const browser: Browser = await launchBrowser();
  const withCheckout = { env: CHECKOUT_ENV };
  try {
    await t.step(
      "a shopper wins a hold with a countdown, pays in the test checkout and sees it paid",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Limited Vinyl Pressing",
            totalStock: 5,
            checkout: { holdSeconds: 600 },
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          await page.getByText("held for you for 10 minutes").waitFor(WAIT);
          await buy(page, "payer");
          const hold = page.getByTestId("hold");
          await hold.waitFor(WAIT);
          const timer = await textOf(page, "hold-timer");
          assertMatch(timer, /^Reserved for you: pay within\s*(10:00|9:[0-5]\d)$/);
          // It counts down on the server's clock.
          await page.waitForFunction(
            (first) => document.querySelector('[data-testid="hold-timer"]')?.textContent !== first,
            timer,
            WAIT,
          );
          const [held] = await rowsOf(app, saleId);
          assertEquals([held?.user_id, held?.status], ["payer", "held"]);
          assertEquals(await textOf(page, "order-id"), held!.id);
          await remainingIs(page, 4);
          await screenshots(page, "checkout-held");

          await page.getByTestId("pay").click();
          await page.waitForURL(`${app.url}/checkout/${held!.id}`, WAIT);
          const checkout = page.getByTestId("checkout");
          await checkout.getByText("Limited Vinyl Pressing").waitFor(WAIT);
          await hydrated(page);
          assertMatch(await textOf(page, "checkout-timer"), /Pay within\s*(10:00|9:[0-5]\d)/);
          await screenshots(page, "checkout-test-page");

          await page.getByRole("button", { name: "Pay (test)" }).click();
          await page.waitForURL(`${app.url}/sales/${saleId}?user=payer`, WAIT);
          await page.getByTestId("result").getByText("Paid: your order is confirmed").waitFor(
            WAIT,
          );
          assertEquals(await textOf(page, "order-status"), "paid");
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["paid"]);
          await hydrated(page);
          await screenshots(page, "checkout-paid");
          // A payment event was recorded, signed and applied as the webhook's.
          const events = await app.sql<{ outcome: string }[]>`
            SELECT outcome FROM payment_events WHERE order_id = ${held!.id}`;
          assertEquals(events.map((e) => e.outcome), ["paid"]);
          noErrors(watched);
        }, withCheckout),
    );

    await t.step(
      "a shopper cancels: the stock comes back and they buy again; a failed payment keeps the hold",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Signed Poster",
            totalStock: 1,
            checkout: { holdSeconds: 300 },
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          await buy(page, "changer");
          await page.getByTestId("hold").waitFor(WAIT);
          await remainingIs(page, 0);
          assertEquals(await textOf(page, "buy"), "Sold out");

          // The test checkout's "Fail (test)": nothing paid, the hold stays.
          const [first] = await rowsOf(app, saleId);
          const checkout = await openPage(context, `${app.url}/checkout/${first!.id}`);
          await checkout.page.getByRole("button", { name: "Fail (test)" }).click();
          await checkout.page.getByTestId("checkout-result")
            .getByText("The payment failed (test)").waitFor(WAIT);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["held"]);
          noErrors(checkout);
          await checkout.page.close();

          await page.getByRole("button", { name: "Cancel my hold" }).click();
          await page.getByTestId("result").getByText("You cancelled your hold").waitFor(WAIT);
          await remainingIs(page, 1);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["cancelled"]);
          await screenshots(page, "checkout-cancelled");

          await page.getByRole("button", { name: "Try again" }).click();
          await page.getByTestId("hold").waitFor(WAIT);
          await remainingIs(page, 0);
          const rows = await rowsOf(app, saleId);
          assertEquals(rows.map((r) => r.status), ["cancelled", "held"]);
          assertEquals(await textOf(page, "order-id"), rows[1]!.id);
          noErrors(watched);
        }, withCheckout),
    );

    await t.step(
      "an expired hold says so, also after a reload; its late payment is listed for the admin",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Trail Running Shoes",
            totalStock: 10,
            checkout: { holdSeconds: 600 },
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          await buy(page, "slowpoke");
          await page.getByTestId("hold").waitFor(WAIT);
          const [held] = await rowsOf(app, saleId);
          // The checkout opened while the hold was on; its payment comes too late.
          const checkout = await openPage(context, `${app.url}/checkout/${held!.id}`);
          await hydrated(checkout.page);

          await lapse(app, saleId, "slowpoke");
          const result = page.getByTestId("result");
          // The page's clock still runs to the old deadline: a reload reads the order anew.
          await page.reload();
          await hydrated(page);
          await result.getByText("Your hold ended").waitFor(WAIT);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["expired"]);
          await remainingIs(page, 10);
          await page.getByRole("button", { name: "Try again" }).waitFor(WAIT);
          await screenshots(page, "checkout-expired");
          await page.reload();
          await hydrated(page);
          await result.getByText("Your hold ended").waitFor(WAIT);

          await checkout.page.getByRole("button", { name: "Pay (test)" }).click();
          await checkout.page.getByTestId("checkout-result")
            .getByText("Your hold ended before the payment arrived").waitFor(WAIT);
          assertMatch(await textOf(checkout.page, "checkout-result"), /refunded/);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["expired"]);
          await screenshots(checkout.page, "checkout-late");
          await checkout.page.close();

          // Trying again holds a new order.
          await page.getByRole("button", { name: "Try again" }).click();
          await page.getByTestId("hold").waitFor(WAIT);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["expired", "held"]);

          // Others: one paid through the webhook, one cancelled, one still held.
          for (const user of ["ada", "bo", "cy"]) {
            await buy(page, user);
            await heldFor(app, saleId, user);
          }
          await page.getByTestId("hold").waitFor(WAIT);
          const byUser = new Map((await rowsOf(app, saleId)).map((r) => [r.user_id, r]));
          const paid = await sendPayment(app.url, {
            id: "evt_ada",
            orderId: byUser.get("ada")!.id,
          });
          assertEquals(paid.status, 200);
          await page.getByLabel("User ID").fill("bo");
          await page.getByRole("button", { name: "Check my order" }).click();
          await page.waitForFunction(
            (id) => document.querySelector('[data-testid="order-id"]')?.textContent === id,
            byUser.get("bo")!.id,
            WAIT,
          );
          await page.getByRole("button", { name: "Cancel my hold" }).click();
          await result.getByText("You cancelled your hold").waitFor(WAIT);
          noErrors(watched);

          const admin = await openPage(context, `${app.url}/admin`);
          await admin.page.getByLabel("Admin token").fill(ADMIN_TOKEN);
          await admin.page.getByRole("button", { name: "Sign in" }).click();
          await admin.page.getByRole("heading", { name: "Sales console" }).waitFor(WAIT);
          await hydrated(admin.page);

          // The sale form sets the hold: the API's range shows on its input.
          await admin.page.getByRole("button", { name: "New sale" }).click();
          await admin.page.getByLabel("Name").fill("Gallery Print");
          await admin.page.getByLabel("Hold each order until it is paid").check();
          assertEquals(await admin.page.getByLabel("Hold (s)").inputValue(), "600");
          await admin.page.getByLabel("Hold (s)").fill("20");
          await admin.page.getByRole("button", { name: "Create sale" }).click();
          await admin.page.locator("#sale-holdSeconds-error").waitFor(WAIT);
          await admin.page.getByLabel("Hold (s)").fill("45");
          await admin.page.getByRole("button", { name: "Create sale" }).click();
          await admin.page.getByTestId("admin-notice").getByText(/Created sale #\d+/).waitFor(WAIT);
          const created = await app.sql<{ checkout: unknown }[]>`
            SELECT checkout FROM sales WHERE name = 'Gallery Print'`;
          assertEquals(created.map((r) => r.checkout), [{ holdSeconds: 45 }]);
          await admin.page.getByTestId(`admin-sale-${saleId}`).getByRole("button", { name: "Live" })
            .click();
          const holds = admin.page.getByTestId("live-holds");
          await holds.waitFor(WAIT);
          await admin.page.waitForFunction(
            () => document.querySelector('[data-testid="holds-late"]')?.textContent === "1",
            undefined,
            WAIT,
          );
          const counts = Object.fromEntries(
            await Promise.all(
              ["held", "paid", "expired", "cancelled", "late"].map(async (k) => [
                k,
                await textOf(admin.page, `holds-${k}`),
              ]),
            ),
          );
          assertEquals(counts, { held: "2", paid: "1", expired: "1", cancelled: "1", late: "1" });
          const late = admin.page.getByTestId("late-payments");
          await late.getByText(held!.id).waitFor(WAIT);
          await late.getByText("slowpoke").waitFor(WAIT);
          // Live: a payment now shows without a reload.
          assertEquals(
            (await sendPayment(app.url, { id: "evt_cy", orderId: byUser.get("cy")!.id })).status,
            200,
          );
          await admin.page.waitForFunction(
            () => document.querySelector('[data-testid="holds-paid"]')?.textContent === "2",
            undefined,
            WAIT,
          );
          await admin.page.getByTestId("admin-live").scrollIntoViewIfNeeded();
          await screenshots(admin.page, "checkout-admin-holds");
          noErrors(admin);
        }, withCheckout),
    );

    await t.step(
      "a hold that runs out while the page is open ends by itself",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Concert Tickets",
            totalStock: 3,
            checkout: { holdSeconds: 30 },
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          await buy(page, "waiter");
          await page.getByTestId("hold").waitFor(WAIT);
          // The deadline passes on the page's clock: it reads the order until the server ended it.
          await page.getByTestId("result").getByText("Your hold ended").waitFor({
            timeout: 45_000,
          });
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["expired"]);
          await remainingIs(page, 3);
          noErrors(watched);
        }, withCheckout),
    );

    await t.step(
      "in a waiting room, a cancelled hold sends the shopper to the back of the line",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Festival Pass",
            totalStock: 2,
            waitingRoom: { powBits: 4, admissionTtlSeconds: 60, overbook: 1, prequeueMinutes: 5 },
            checkout: { holdSeconds: 120 },
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          await page.getByLabel("User ID").fill("queuer");
          await page.getByRole("button", { name: "Join the line" }).click();
          await page.getByTestId("line-turn").getByText("held for you for 2 minutes").waitFor(WAIT);
          await page.getByRole("button", { name: "Buy now" }).click();
          await page.getByTestId("hold").waitFor(WAIT);
          assertMatch(await textOf(page, "hold-timer"), /Reserved for you: pay within\s*[12]:\d\d/);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["held"]);
          await page.getByRole("button", { name: "Cancel my hold" }).click();
          await page.getByTestId("result").getByText("You cancelled your hold").waitFor(WAIT);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["cancelled"]);
          await page.getByRole("button", { name: "Join the line again" }).click();
          await page.getByRole("button", { name: "Join the line" }).waitFor(WAIT);
          noErrors(watched);
        }, withCheckout),
    );

    await t.step(
      "without JavaScript the buy form shows the hold with its deadline, Pay and Cancel",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            name: "Hand-bound Notebook",
            totalStock: 2,
            checkout: { holdSeconds: 600 },
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await buy(page, "nojs");
          await page.getByTestId("hold").waitFor(WAIT);
          const [held] = await rowsOf(app, saleId);
          assertEquals(held?.status, "held");
          assertMatch(await textOf(page, "hold-timer"), /Reserved for you: pay within\s*\d+:\d\d/);
          assertMatch(await page.getByTestId("hold").textContent() ?? "", /Pay by/);
          assertEquals(await page.getByTestId("pay").getAttribute("href"), `/checkout/${held!.id}`);
          await page.getByRole("button", { name: "Cancel my hold" }).click();
          await page.getByTestId("result").getByText("You cancelled your hold").waitFor(WAIT);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["cancelled"]);
          await page.getByRole("button", { name: "Try again" }).click();
          await page.getByTestId("hold").waitFor(WAIT);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["cancelled", "held"]);
          noErrors(watched);
        }, { ...withCheckout, javaScriptEnabled: false }),
    );

    await t.step(
      "with CHECKOUT_URL, Pay goes to the shop's checkout and the test checkout is gone",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, {
            totalStock: 2,
            checkout: { holdSeconds: 600 },
          });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          const { page } = watched;
          await hydrated(page);
          await buy(page, "real");
          await page.getByTestId("hold").waitFor(WAIT);
          const [held] = await rowsOf(app, saleId);
          assertEquals(
            await page.getByTestId("pay").getAttribute("href"),
            `https://pay.example/orders/${held!.id}?sale=${saleId}&user=real`,
          );
          const gone = await context.request.get(`${app.url}/checkout/${held!.id}`);
          assertEquals(gone.status(), 404);
          const posted = await context.request.post(`${app.url}/checkout/${held!.id}`, {
            form: { type: "payment.succeeded" },
          });
          assertEquals(posted.status(), 404);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["held"]);
          noErrors(watched);
        }, {
          env: {
            ...CHECKOUT_ENV,
            CHECKOUT_URL: "https://pay.example/orders/{orderId}?sale={saleId}&user={userId}",
          },
        }),
    );

    await t.step(
      "without PAYMENT_WEBHOOK_SECRET the test checkout says payments are off",
      () =>
        withApp(browser, async (app, context) => {
          const saleId = await createSale(app.url, { totalStock: 2, checkout: {} });
          const watched = await openPage(context, `${app.url}/sales/${saleId}`);
          await hydrated(watched.page);
          await buy(watched.page, "nopay");
          await watched.page.getByTestId("hold").waitFor(WAIT);
          const [held] = await rowsOf(app, saleId);
          const off = await openPage(context, `${app.url}/checkout/${held!.id}`);
          await off.page.getByRole("heading", { name: "Payments are off" }).waitFor(WAIT);
          const answer = await context.request.post(`${app.url}/checkout/${held!.id}`, {
            form: { type: "payment.succeeded" },
          });
          assertEquals(answer.status(), 503);
          assertEquals((await rowsOf(app, saleId)).map((r) => r.status), ["held"]);
          assert((await off.page.content()).includes("PAYMENT_WEBHOOK_SECRET"));
        }),
    );
  } finally {
    await browser.close();
  }
});
