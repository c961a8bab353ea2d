import type { Sql } from "./db.ts";
import { loadQueries } from "./sql.ts";

const Q = await loadQueries(new URL("./admin_audit.sql", import.meta.url), ["record"] as const);

/** Reads never change anything; every other admin request is an action and is written down. */
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The admin audit log (table admin_audit). One admin token is shared, so "who" is how the caller
 * proved it (the bearer token or the pages' session cookie), from which address and client.
 */
export class AdminAudit {
  constructor(private readonly sql: Sql) {}

  /** Writes one row for an admin action; a failure is logged, never turned into the answer. */
  async record(req: Request, clientIp: string, status: number): Promise<void> {
    if (READS.has(req.method)) return;
    const actor = req.headers.has("authorization") ? "bearer token" : "session cookie";
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
