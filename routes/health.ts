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
    // The process probe of an orchestrator (deploy/kubernetes.yaml): this process answers. It asks
    // neither Redis nor PostgreSQL, so an outage of either (shared by every instance) neither
    // restarts the servers nor takes them all out of the load balancer: purchases go on through a
    // PostgreSQL outage, and a Redis outage is answered by the app's own 503s.
    if (ctx.url.searchParams.get("probe") === "live") return json({ status: "live" }, 200);
    const [redis, postgres] = await Promise.all([
      probe(() => ctx.state.health.redis()),
      probe(() => ctx.state.health.postgres()),
    ]);
    const ok = redis === "up" && postgres === "up";
    return json({ status: ok ? "ok" : "degraded", redis, postgres }, ok ? 200 : 503);
  },
};
