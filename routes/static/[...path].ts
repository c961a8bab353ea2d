import type { Handlers } from "../../lib/web/http.ts";
import { serveStatic } from "../../lib/web/static.ts";

export const handler: Handlers = {
  GET(ctx) {
    return serveStatic(ctx.params.path ?? "");
  },
};
