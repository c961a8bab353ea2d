import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { buildAssets } from "../../lib/build.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";

/** Debian's chromium; the tests drive it with playwright-core (no downloaded browsers). */
const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = new URL("../.artifacts/screenshots/", import.meta.url);

let built: Promise<unknown> | undefined;

/** One browser per test file, over freshly built page assets. */
export async function launchBrowser(): Promise<Browser> {
  built ??= buildAssets();
  await built;
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
  });
}

/**
 * A fresh app (with `env` added to its configuration) and browser context; the context closes
 * first, ending its event streams.
 */
export async function withApp(
  browser: Browser,
  run: (app: TestApp, context: BrowserContext) => Promise<void>,
  options: { javaScriptEnabled?: boolean; env?: Record<string, string> } = {},
): Promise<void> {
  const { env, ...contextOptions } = options;
  const app = await startTestApp(env);
  const context = await browser.newContext(contextOptions);
  try {
    await run(app, context);
  } finally {
    await context.close();
    await app.close();
  }
}

/**
 * A page that remembers every console error and uncaught exception, so a test can assert there
 * were none.
 */
export interface WatchedPage {
  page: Page;
  errors: string[];
}

/**
 * Chromium logs every 4xx answer to a fetch as "Failed to load resource". The JSON API answers
 * business outcomes with 4xx by design (409 already bought, 410 sold out, 403 not active, 404 no
 * order yet, 400 a form the page then marks), and the pages show them to the user: those, from
 * the API, are not errors of the page.
 */
function isBusinessAnswer(text: string, url: string): boolean {
  return /^Failed to load resource: the server responded with a status of (400|403|404|409|410) /
    .test(text) && new URL(url).pathname.startsWith("/api/");
}

export async function openPage(
  context: BrowserContext,
  url: string,
): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() !== "error" || isBusinessAnswer(m.text(), m.location().url)) return;
    errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, errors };
}

/** A stylesheet a page downloaded, with its text. */
export interface Stylesheet {
  url: string;
  text: string;
}

/** Records the stylesheets every page of the context downloads; `read` waits for their texts. */
export function recordStylesheets(context: BrowserContext): { read: () => Promise<Stylesheet[]> } {
  const sheets: Promise<Stylesheet>[] = [];
  context.on("response", (response) => {
    if (response.request().resourceType() !== "stylesheet") return;
    sheets.push(response.text().then((text) => ({ url: response.url(), text })));
  });
  return { read: () => Promise.all(sheets) };
}

/** Writes the page at phone (375 px) and desktop (1280 px) widths. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    await page.waitForTimeout(150);
    await page.screenshot({
      path: new URL(`${name}-${width}.png`, SCREENSHOTS).pathname,
      fullPage: true,
    });
  }
  await page.setViewportSize(size);
}

/** Waits until every island on the page is hydrated (so clicks reach the islands' handlers). */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[data-island]")].every((el) =>
      (el as HTMLElement).dataset.hydrated !== undefined
    )
  );
}
