import { ADMIN_COOKIE } from "../../lib/admin_auth.ts";
import type { Handlers } from "../../lib/http.ts";
import { seeOther } from "../../lib/page.ts";

export const handler: Handlers = {
  POST() {
    return seeOther("/admin", {
      "set-cookie": `${ADMIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`,
    });
  },
};
