import { pageHandlers } from "../components/ErrorPage.tsx";
import { renderLogin } from "../components/AdminLogin.tsx";
import { Layout } from "../components/Layout.tsx";
import AdminConsole from "../islands/AdminConsole.tsx";
import { isAdmin } from "../lib/web/admin_auth.ts";
import type { Handlers } from "../lib/web/http.ts";
import { island } from "../lib/web/islands.ts";
import { renderPage } from "../lib/web/page.ts";
import { saleJson } from "../lib/domain/sale.ts";
import { PAGE_DEFAULT } from "../lib/domain/input.ts";

export const handler: Handlers = pageHandlers({
  async GET(ctx) {
    const token = ctx.state.config.ADMIN_TOKEN;
    if (!(await isAdmin(ctx.req, token))) {
      const failed = ctx.url.searchParams.get("signin") === "failed";
      return renderLogin({ closed: !token, failed }, token ? 200 : 503);
    }
    const now = Date.now();
    // The first page of GET /api/sales, which the console then reads again and again.
    const sales = (await ctx.state.catalog.page(null, null, now, PAGE_DEFAULT)).views.map((v) =>
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
