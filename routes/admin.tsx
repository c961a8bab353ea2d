import { pageHandlers } from "../components/ErrorPage.tsx";
import { Layout } from "../components/Layout.tsx";
import AdminConsole from "../islands/AdminConsole.tsx";
import { isAdmin } from "../lib/admin_auth.ts";
import type { Handlers } from "../lib/http.ts";
import { island } from "../lib/islands.ts";
import { renderPage } from "../lib/page.ts";
import { saleJson } from "../lib/sales/sale.ts";

export const handler: Handlers = pageHandlers({
  async GET(ctx) {
    const token = ctx.state.config.ADMIN_TOKEN;
    if (!(await isAdmin(ctx.req, token))) {
      const failed = ctx.url.searchParams.get("signin") === "failed";
      return renderLogin({ closed: !token, failed }, token ? 200 : 503);
    }
    const now = Date.now();
    const sales = (await ctx.state.catalog.list()).map((v) =>
      saleJson(v.sale, v.remainingStock, now)
    );
    return renderPage(
      <Layout section="admin">
        <div class="console-bar">
          <span class="muted">Signed in as admin</span>
          <form method="post" action="/admin/logout">
            <button class="btn btn-quiet btn-small" type="submit">Sign out</button>
          </form>
        </div>
        {island(AdminConsole, { sales })}
      </Layout>,
      { title: "Sales console · Flashline admin", stylesheets: ["shop", "admin"] },
    );
  },
});

/** The sign-in page; also what every admin page shows to someone not signed in. */
export function renderLogin(
  /** waitS: seconds this address must wait after too many failed sign-ins (with status 429). */
  state: { closed: boolean; failed: boolean; waitS?: number },
  status: number,
): Promise<Response> {
  return renderPage(
    <Layout section="admin">
      <section class="login card-plain" aria-labelledby="login-title">
        <h1 id="login-title">Admin sign-in</h1>
        {state.closed
          ? (
            <p class="notice notice-warning">
              The admin console is closed: the server has no ADMIN_TOKEN configured.
            </p>
          )
          : (
            <form method="post" action="/admin/login">
              <p class="muted">Enter the admin token to manage sales.</p>
              {state.failed && (
                <p class="notice notice-danger" role="alert" id="token-error">
                  That token is not valid.
                </p>
              )}
              {state.waitS !== undefined && (
                <p class="notice notice-warning" role="alert">
                  Too many failed sign-ins from this address. Try again in{" "}
                  {Math.ceil(state.waitS / 60)} min.
                </p>
              )}
              <div class="field">
                <label for="token">Admin token</label>
                <input
                  id="token"
                  name="token"
                  type="password"
                  autocomplete="current-password"
                  required
                  aria-invalid={state.failed ? "true" : undefined}
                  aria-describedby={state.failed ? "token-error" : undefined}
                />
              </div>
              <button class="btn" type="submit">Sign in</button>
            </form>
          )}
      </section>
    </Layout>,
    {
      title: "Admin sign-in · Flashline",
      stylesheets: ["shop", "admin"],
      status,
      ...(state.waitS === undefined ? {} : { headers: { "retry-after": String(state.waitS) } }),
    },
  );
}
