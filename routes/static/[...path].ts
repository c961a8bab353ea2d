import type { Handlers } from "../../lib/http.ts";
import { serveStatic } from "../../lib/static.ts";

export const handler: Handlers = {
  GET(ctx) {
    return serveStatic(ctx.params.path ?? "");
  },
};
