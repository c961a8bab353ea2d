import { withDeadline } from "../lib/deadline.ts";
import { type Handlers, json } from "../lib/http.ts";

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
      probe(() => ctx.state.redis.ping()),
      probe(() => ctx.state.sql`SELECT 1`),
    ]);
    const ok = redis === "up" && postgres === "up";
    return json({ status: ok ? "ok" : "degraded", redis, postgres }, ok ? 200 : 503);
  },
};
