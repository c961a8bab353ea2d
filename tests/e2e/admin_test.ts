import type { Browser } from "playwright-core";
import { startTestApp } from "../helpers/app.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { admin, call, createSale, purchase } from "../helpers/client.ts";
import { ADMIN_TOKEN } from "../helpers/env.ts";
import { joinLine } from "../helpers/line.ts";
import { hydrated, launchBrowser, openPage, recordStylesheets, screenshots } from "./browser.ts";

const WAIT = { timeout: 15_000 };

Deno.test("admin console in Chromium", async () => {
  const browser: Browser = await launchBrowser();
  const app = await startTestApp();
  const context = await browser.newContext();
  const stylesheets = recordStylesheets(context);
  try {
    // Locked: the page shows only the sign-in form, and the admin API refuses the browser.
    const login = await openPage(context, `${app.url}/admin`);
    const { page } = login;
    assertEquals(await page.title(), "Admin sign-in · Flashline");
    assertEquals(await page.getByText("Sales console").count(), 0);
    assertEquals((await context.request.get(`${app.url}/api/admin/sales/1/stats`)).status(), 401);
    await screenshots(page, "admin-login");

    await page.getByLabel("Admin token").fill("not-the-token-at-all");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token is not valid.").waitFor(WAIT);
    assert(!page.url().includes("not-the-token"), "the token must never be in a URL");
    assertEquals((await context.cookies()).length, 0);

    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Sales console" }).waitFor(WAIT);
    assertEquals(new URL(page.url()).pathname, "/admin");
    assert(!page.url().includes(ADMIN_TOKEN));
    const [cookie] = await context.cookies();
    assertEquals([cookie?.httpOnly, cookie?.sameSite], [true, "Strict"]);
    assert(!cookie?.value.includes(ADMIN_TOKEN), "the cookie holds a session, not the token");
    await hydrated(page);
    // The console has its styles, from a bundle the shop pages do not link.
    assert((await stylesheets.read()).some((sheet) => sheet.text.includes(".sales-table")));
    assertEquals(
      await page.locator(".sales-table").evaluate((el) => getComputedStyle(el).borderCollapse),
      "collapse",
    );

    // The cookie opens the admin API; a change also needs the anti-forgery header.
    const stats = await context.request.get(`${app.url}/api/admin/sales/1/stats`);
    assertEquals(stats.status(), 200);
    const forged = await context.request.post(`${app.url}/api/admin/sales/1/reconcile`);
    assertEquals(forged.status(), 403);

    // Create: first with an empty name (validation message), then properly.
    await page.getByRole("button", { name: "New sale" }).click();
    await page.getByLabel("Total stock").fill("25");
    await page.getByRole("button", { name: "Create sale" }).click();
    await page.locator("#sale-name-error").waitFor(WAIT);
    assertMatch(await page.locator("#sale-name-error").textContent() ?? "", /.+/);
    await page.getByLabel("Name").fill("Vintage Film Camera");
    await page.getByLabel("Limit per shopper").fill("2");
    await page.getByLabel("Description").fill("Fully serviced, with a 35 mm lens.");
    await page.getByRole("button", { name: "Create sale" }).click();
    await page.getByTestId("admin-notice").getByText(/Created sale #\d+/).waitFor(WAIT);
    const notice = await page.getByTestId("admin-notice").textContent() ?? "";
    const saleId = Number(/#(\d+)/.exec(notice)?.[1]);
    const rows = await app.sql<{ total_stock: number; per_user_limit: number }[]>`
      SELECT total_stock, per_user_limit FROM sales WHERE id = ${saleId}`;
    assertEquals(rows[0], { total_stock: 25, per_user_limit: 2 });
    // Left off, the sale has no waiting room.
    assertEquals((await call(app.url, "GET", `/api/sales/${saleId}`)).body.waitingRoom, null);

    // It is on the shop's front page.
    const home = await openPage(context, `${app.url}/`);
    await home.page.getByTestId(`sale-${saleId}`).getByText("Vintage Film Camera").waitFor(WAIT);
    assertEquals(home.errors, []);
    await home.page.close();

    // Edit its stock.
    const row = page.getByTestId(`admin-sale-${saleId}`);
    await row.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Total stock").fill("30");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByTestId("admin-notice").getByText(`Saved sale #${saleId}.`).waitFor(WAIT);
    await page.waitForFunction(
      (id) =>
        document.querySelector(`[data-testid="admin-sale-${id}"] [data-testid="admin-remaining"]`)
          ?.textContent === "30",
      saleId,
      WAIT,
    );

    // Live numbers of the live default sale, then reset and reconcile it.
    for (const user of ["u1", "u2", "u3"]) {
      assertEquals((await purchase(app.url, 1, user)).result, "SUCCESS");
    }
    await page.getByTestId("admin-sale-1").getByRole("button", { name: "Live" }).click();
    const live = page.getByTestId("admin-live");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="live-sold"]')?.textContent === "3",
      undefined,
      WAIT,
    );
    await live.getByText("SUCCESS").waitFor(WAIT);
    await screenshots(page, "admin-console");

    await live.getByRole("button", { name: "Reset" }).click();
    await live.getByRole("button", { name: "Yes, reset" }).click();
    await page.getByTestId("admin-notice").getByText("Sale #1 reset").waitFor(WAIT);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="live-sold"]')?.textContent === "0",
      undefined,
      WAIT,
    );
    const orders = await app.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM orders WHERE sale_id = 1`;
    assertEquals(orders[0]?.n, 0);

    await live.getByRole("button", { name: "Reconcile" }).click();
    await page.getByTestId("drift").getByText("No drift: Redis agrees").waitFor(WAIT);
    assertMatch(await page.getByTestId("drift").textContent() ?? "", /100 → 100/);
    await screenshots(page, "admin-reconciled");

    // The edit form at both widths.
    await row.getByRole("button", { name: "Edit" }).click();
    await screenshots(page, "admin-edit");

    // Signing out closes it again.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Admin sign-in" }).waitFor(WAIT);
    assertEquals((await context.request.get(`${app.url}/api/admin/sales/1/stats`)).status(), 401);
    assertEquals(login.errors, []);
  } finally {
    await context.close();
    await browser.close();
    await app.close();
  }
});

Deno.test("admin console: the sales table and the chart follow the live numbers", async () => {
  const browser: Browser = await launchBrowser();
  const app = await startTestApp();
  const context = await browser.newContext();
  try {
    const other = await createSale(app.url, { name: "Other sale", totalStock: 5 });
    const { page, errors } = await openPage(context, `${app.url}/admin`);
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Sales console" }).waitFor(WAIT);
    await hydrated(page);
    // The admin watches another sale while sale 1 sells, then switches to sale 1.
    await page.getByTestId(`admin-sale-${other}`).getByRole("button", { name: "Live" }).click();
    for (const user of ["u1", "u2", "u3"]) {
      assertEquals((await purchase(app.url, 1, user)).result, "SUCCESS");
    }
    await page.getByTestId("admin-sale-1").getByRole("button", { name: "Live" }).click();

    // The moment the panel shows the purchases, the table and the chart show them too.
    const seen = await page.waitForFunction(
      () => {
        const text = (sel: string) => document.querySelector(sel)?.textContent ?? null;
        if (text('[data-testid="live-sold"]') !== "3") return null;
        const marks = [...document.querySelectorAll(".spark > :not(.spark-axis)")];
        return {
          panel: [text('[data-testid="live-sold"]'), text('[data-testid="live-remaining"]')],
          table: [
            text('[data-testid="admin-sale-1"] [data-testid="admin-sold"]'),
            text('[data-testid="admin-sale-1"] [data-testid="admin-remaining"]'),
          ],
          chartDrawn: marks.some((m) => (m as SVGGraphicsElement).getBBox().height > 0),
        };
      },
      undefined,
      WAIT,
    );
    assertEquals(await seen.jsonValue(), {
      panel: ["3", "97"],
      table: ["3", "97"],
      chartDrawn: true,
    });
    const caption = await page.locator(".spark-figure figcaption").textContent() ?? "";
    // Three quick purchases land in one second, or two if a reading fell between them.
    assertMatch(caption, /peak [1-3]\/s/);
    await screenshots(page, "admin-live-chart");
    assertEquals(errors, []);
  } finally {
    await context.close();
    await browser.close();
    await app.close();
  }
});

Deno.test("admin console: a sale's waiting room, turned on in the form and off again", async () => {
  const browser: Browser = await launchBrowser();
  const app = await startTestApp();
  const context = await browser.newContext();
  try {
    const { page, errors } = await openPage(context, `${app.url}/admin`);
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Sales console" }).waitFor(WAIT);
    await hydrated(page);

    // Off by default: the settings show only once it is turned on, at the contract's defaults.
    await page.getByRole("button", { name: "New sale" }).click();
    const room = page.getByLabel("Admit shoppers through a waiting room");
    assertEquals(await room.isChecked(), false);
    assertEquals(await page.getByLabel("Proof of work (bits)").count(), 0);
    await room.check();
    assertEquals(
      await Promise.all(
        ["Proof of work (bits)", "Admission lifetime (s)", "Overbook", "Pre-queue (min)"].map(
          (label) => page.getByLabel(label).inputValue(),
        ),
      ),
      ["16", "120", "1.2", "15"],
    );

    // Out of range: the API's message lands on that input.
    await page.getByLabel("Name").fill("Queued Sneakers");
    await page.getByLabel("Proof of work (bits)").fill("30");
    await page.getByRole("button", { name: "Create sale" }).click();
    await page.locator("#sale-powBits-error").waitFor(WAIT);
    assertMatch(await page.locator("#sale-powBits-error").textContent() ?? "", /.+/);

    await page.getByLabel("Proof of work (bits)").fill("12");
    // Corrected, the input loses its message.
    assertEquals(await page.locator("#sale-powBits-error").count(), 0);
    await page.getByLabel("Admission lifetime (s)").fill("300");
    await page.getByLabel("Overbook").fill("1.5");
    await page.getByLabel("Pre-queue (min)").fill("30");
    await screenshots(page, "admin-waiting-room-form");
    await page.getByRole("button", { name: "Create sale" }).click();
    await page.getByTestId("admin-notice").getByText(/Created sale #\d+/).waitFor(WAIT);
    const notice = await page.getByTestId("admin-notice").textContent() ?? "";
    const saleId = Number(/#(\d+)/.exec(notice)?.[1]);
    const created = await call(app.url, "GET", `/api/sales/${saleId}`);
    assertEquals(created.body.waitingRoom, {
      powBits: 12,
      admissionTtlSeconds: 300,
      overbook: 1.5,
      prequeueMinutes: 30,
    });

    // The table marks it; the live panel shows its line, whose order is drawn at the start.
    const row = page.getByTestId(`admin-sale-${saleId}`);
    await row.getByTestId("admin-room").waitFor(WAIT);
    assertEquals(await page.getByTestId("admin-sale-1").getByTestId("admin-room").count(), 0);
    assertEquals((await joinLine(app.url, saleId, "early-bird")).status, 201);
    const line = page.getByTestId("live-line");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="line-waiting"]')?.textContent === "1",
      undefined,
      WAIT,
    );
    assertMatch(await line.getByTestId("line-draw").textContent() ?? "", /shuffled when it starts/);

    // A sale that has started: the panel shows the shuffle's seed, as the admin stats give it.
    const started = await createSale(app.url, {
      name: "Started queue",
      totalStock: 5,
      waitingRoom: { powBits: 0 },
    });
    await page.getByTestId(`admin-sale-${started}`).getByRole("button", { name: "Live" }).click();
    await page.waitForFunction(
      () =>
        /with seed/.test(document.querySelector('[data-testid="line-draw"]')?.textContent ?? ""),
      undefined,
      WAIT,
    );
    const stats = await call(app.url, "GET", `/api/admin/sales/${started}/stats`, undefined, admin);
    assertMatch(
      await line.getByTestId("line-draw").textContent() ?? "",
      new RegExp(
        `^0 joined before the start; shuffled at .+ with seed ${stats.body.queue.seed}\\.$`,
      ),
    );
    await screenshots(page, "admin-waiting-room-live");
    await row.getByRole("button", { name: "Live" }).click();

    // Editing one setting sends the whole room; the others stay as they were.
    await row.getByRole("button", { name: "Edit" }).click();
    assertEquals(await page.getByLabel("Admit shoppers through a waiting room").isChecked(), true);
    await page.getByLabel("Overbook").fill("2");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByTestId("admin-notice").getByText(`Saved sale #${saleId}.`).waitFor(WAIT);
    const edited = await call(app.url, "GET", `/api/sales/${saleId}`);
    assertEquals(edited.body.waitingRoom, {
      powBits: 12,
      admissionTtlSeconds: 300,
      overbook: 2,
      prequeueMinutes: 30,
    });

    // Turned off: null in the API, no mark in the table, no line in the panel.
    await row.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Admit shoppers through a waiting room").uncheck();
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByTestId("admin-notice").getByText(`Saved sale #${saleId}.`).waitFor(WAIT);
    assertEquals((await call(app.url, "GET", `/api/sales/${saleId}`)).body.waitingRoom, null);
    await row.getByTestId("admin-room").waitFor({ state: "detached", ...WAIT });
    await line.waitFor({ state: "detached", ...WAIT });
    assertEquals(errors, []);
  } finally {
    await context.close();
    await browser.close();
    await app.close();
  }
});
