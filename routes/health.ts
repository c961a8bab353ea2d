import { withDeadline } from "../lib/domain/deadline.ts";
import { type Handlers, json } from "../lib/web/http.ts";

async function probe(check: () => Promise<unknown>): Promise<"up" | "down"> {
  try {
    return await withDeadline(check(), 1000) === "TIMEOUT" ? "down" : "up";
  } catch {
    return "down";
  }
}

export const handler: Handlers = {
  async GET(ctx) {
    const [redis, postgres] = await Promise.all([
      probe(() => ctx.state.health.redis()),
      probe(() => ctx.state.health.postgres()),
    ]);
    const ok = redis === "up" && postgres === "up";
    return json({ status: ok ? "ok" : "degraded", redis, postgres }, ok ? 200 : 503);
  },
};
