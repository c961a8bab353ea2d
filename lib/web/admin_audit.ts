import type { Sql } from "../infra/db.ts";
import { loadQueries } from "../infra/sql.ts";

const Q = await loadQueries(new URL("./admin_audit.sql", import.meta.url), ["record"] as const);

/** Reads never change anything; every other admin request is an action and is written down. */
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** How a failed sign-in tried: the admin page's form, or a bearer token on an admin route. */
export type SignInActor = "sign-in form" | "bearer token";

/**
 * The admin audit log (table admin_audit). One admin token is shared, so "who" is how the caller
 * proved it (the bearer token or the pages' session cookie), from which address and client.
 * Failed sign-ins are written down too, with status 401, whatever the request's method.
 */
export class AdminAudit {
  constructor(private readonly sql: Sql) {}

  /** Writes one row for an admin action; a failure is logged, never turned into the answer. */
  async record(req: Request, clientIp: string, status: number): Promise<void> {
    if (READS.has(req.method)) return;
    const actor = req.headers.has("authorization") ? "bearer token" : "session cookie";
    await this.write(req, clientIp, actor, status);
  }

  /** Writes one row for a token that did not match (a guess, until proven otherwise). */
  async failedSignIn(req: Request, clientIp: string, actor: SignInActor): Promise<void> {
    await this.write(req, clientIp, actor, 401);
  }

  private async write(req: Request, clientIp: string, actor: string, status: number) {
    const url = new URL(req.url);
    try {
      await this.sql.unsafe(Q.record, [
        actor,
        clientIp,
        (req.headers.get("user-agent") ?? "").slice(0, 300),
        req.method,
        url.pathname,
        status,
      ]);
    } catch (error) {
      console.error(
        `admin audit: could not record ${req.method} ${url.pathname} (${status}):`,
        error instanceof Error ? error.message : error,
      );
    }
  }
}
