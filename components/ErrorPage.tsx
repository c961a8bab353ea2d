import { AppError } from "../lib/domain/errors.ts";
import type { Handlers } from "../lib/web/http.ts";
import { renderPage } from "../lib/web/page.ts";
import { Layout } from "./Layout.tsx";

/** An HTML error page, for people who opened a page (the API answers JSON). */
export function errorPage(status: number, title: string, message: string): Promise<Response> {
  return renderPage(
    <Layout>
      <section class="empty">
        <p class="eyebrow">Error {status}</p>
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a class="btn" href="/">See all sales</a>
        </p>
      </section>
    </Layout>,
    { title: `${title} · Flashline`, stylesheets: ["shop"], status },
  );
}

/** Whether the client asked for a page (a browser navigating), not for JSON. */
export function wantsPage(req: Request): boolean {
  return (req.headers.get("accept") ?? "").includes("text/html") &&
    !new URL(req.url).pathname.startsWith("/api/");
}

export function notFoundPage(): Promise<Response> {
  return errorPage(404, "Page not found", "There is nothing at this address.");
}

/** A page route's handlers, whose refusals (AppError) are answered as pages, not JSON. */
export function pageHandlers(handlers: Handlers): Handlers {
  const wrapped: Handlers = {};
  for (const [method, handle] of Object.entries(handlers) as [Method, Handle][]) {
    wrapped[method] = async (ctx) => {
      try {
        return await handle(ctx);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return await errorPage(error.status, ERROR_TITLES[error.status] ?? "Error", error.message);
      }
    };
  }
  return wrapped;
}

type Method = keyof Handlers;
type Handle = NonNullable<Handlers[Method]>;

const ERROR_TITLES: Record<number, string> = {
  400: "Please check the form",
  401: "Sign-in required",
  403: "Not allowed",
  404: "Not found",
  413: "Too much data",
  415: "Unsupported form",
  503: "Back in a moment",
};
