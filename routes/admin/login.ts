import { pageHandlers } from "../../components/ErrorPage.tsx";
import { ADMIN_COOKIE, adminSession, sameSecret } from "../../lib/admin_auth.ts";
import { type Handlers, readForm } from "../../lib/http.ts";
import { seeOther } from "../../lib/page.ts";
import { renderLogin } from "../admin.tsx";

/** A working day: the admin signs in again after it. */
const SESSION_SECONDS = 8 * 3600;

export const handler: Handlers = pageHandlers({
  async POST(ctx) {
    const token = ctx.state.config.ADMIN_TOKEN;
    if (!token) return renderLogin({ closed: true, failed: false }, 503);
    const given = (await readForm(ctx)).get("token") ?? "";
    // A redirect, not a 401 page: a reload does not post the token again.
    if (!(await sameSecret(given, token))) return seeOther("/admin?signin=failed");
    // HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it.
    const secure = ctx.url.protocol === "https:" ? "; Secure" : "";
    return seeOther("/admin", {
      "set-cookie": `${ADMIN_COOKIE}=${await adminSession(token)}; Path=/; HttpOnly; ` +
        `SameSite=Strict; Max-Age=${SESSION_SECONDS}${secure}`,
    });
  },
});
