import { renderLogin } from "../../components/AdminLogin.tsx";
import { pageHandlers } from "../../components/ErrorPage.tsx";
import {
  ADMIN_COOKIE,
  adminSession,
  sameSecret,
  SESSION_SECONDS,
} from "../../lib/web/admin_auth.ts";
import { cameOverHttps } from "../../lib/web/client_ip.ts";
import { type Handlers, readForm } from "../../lib/web/http.ts";
import { seeOther } from "../../lib/web/page.ts";

export const handler: Handlers = pageHandlers({
  async POST(ctx) {
    const token = ctx.state.config.ADMIN_TOKEN;
    if (!token) return renderLogin({ closed: true, failed: false }, 503);
    const gate = ctx.state.adminGate;
    const waitS = gate.lockedForS(ctx.clientIp);
    if (waitS > 0) return renderLogin({ closed: false, failed: false, waitS }, 429);
    const given = (await readForm(ctx)).get("token") ?? "";
    if (!(await sameSecret(given, token))) {
      await gate.failed(ctx.req, ctx.clientIp, "sign-in form");
      // A redirect, not a 401 page: a reload does not post the token again.
      return seeOther("/admin?signin=failed");
    }
    // HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure
    // whenever the browser came over https, even when a proxy of ours ended the TLS.
    const secure = cameOverHttps(ctx.req, ctx.state.config.TRUSTED_PROXY_HOPS) ? "; Secure" : "";
    const session = await adminSession(token, Date.now() + SESSION_SECONDS * 1000);
    return seeOther("/admin", {
      "set-cookie": `${ADMIN_COOKIE}=${session}; Path=/; HttpOnly; ` +
        `SameSite=Strict; Max-Age=${SESSION_SECONDS}${secure}`,
    });
  },
});
