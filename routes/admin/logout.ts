import { ADMIN_COOKIE } from "../../lib/web/admin_auth.ts";
import type { Handlers } from "../../lib/web/http.ts";
import { seeOther } from "../../lib/web/page.ts";

export const handler: Handlers = {
  POST() {
    return seeOther("/admin", {
      "set-cookie": `${ADMIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`,
    });
  },
};
