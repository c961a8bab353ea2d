import { timingSafeEqual } from "node:crypto";
import { AdminAudit, type SignInActor } from "./admin_audit.ts";
import type { Config } from "../infra/config.ts";
import type { Sql } from "../infra/db.ts";
import { AppError } from "../domain/errors.ts";

const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/**
 * Compares two secrets on fixed-length digests in constant time, so neither the secret's content
 * nor its length leaks through timing.
 */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  return timingSafeEqual(await digest(given), await digest(expected));
}

/** The admin pages' session cookie (HttpOnly, SameSite=Strict; set by routes/admin/login.ts). */
export const ADMIN_COOKIE = "fs_admin";
/** A working day: the admin signs in again after it. */
export const SESSION_SECONDS = 8 * 3600;
/** The header a cookie-authenticated change must carry (see requireAdmin). */
export const CSRF_HEADER = "x-requested-with";
export const CSRF_VALUE = "flashline";

async function signature(adminToken: string, expiresAtMs: number): Promise<string> {
  // A key derived from the token, not the token: the cookie never carries anything the token
  // could be read back from, and a new token ends every session.
  const key = await crypto.subtle.importKey(
    "raw",
    await digest(`flashline admin session key v2\0${adminToken}`),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(String(expiresAtMs)));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The cookie's value, `<expiry, ms since 1970>.<HMAC of it>`: the server checks the expiry itself,
 * so a copied cookie stops working when it ends whatever Max-Age the browser was told.
 */
export async function adminSession(adminToken: string, expiresAtMs: number): Promise<string> {
  return `${expiresAtMs}.${await signature(adminToken, expiresAtMs)}`;
}

async function sessionState(
  value: string,
  adminToken: string,
): Promise<"valid" | "expired" | "forged"> {
  const match = /^(\d{1,15})\.([0-9a-f]{64})$/.exec(value);
  if (!match) return "forged";
  const expiresAtMs = Number(match[1]);
  if (!(await sameSecret(match[2]!, await signature(adminToken, expiresAtMs)))) return "forged";
  return expiresAtMs > Date.now() ? "valid" : "expired";
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Checks `Authorization: Bearer <ADMIN_TOKEN>` or, without that header, the admin pages' session
 * cookie (signature and expiry). Both compare in constant time.
 */
export async function requireAdmin(req: Request, adminToken: string | undefined): Promise<void> {
  if (!adminToken) throw new AppError("ADMIN_DISABLED");
  const header = req.headers.get("authorization");
  const session = cookie(req, ADMIN_COOKIE);
  if (header === null && session !== undefined) {
    const state = await sessionState(session, adminToken);
    if (state === "expired") {
      throw new AppError("UNAUTHORIZED", "The admin session has expired: sign in again.");
    }
    if (state === "forged") throw new AppError("UNAUTHORIZED");
    // The browser sends the cookie with every request to this site. SameSite=Strict keeps it
    // off requests other sites start; the custom header, which a plain form cannot set and a
    // cross-origin script cannot send without a CORS preflight this server never grants, stops
    // the rest.
    if (!SAFE_METHODS.has(req.method) && req.headers.get(CSRF_HEADER) !== CSRF_VALUE) {
      throw new AppError("CSRF_REJECTED");
    }
    return;
  }
  // The scheme name is case-insensitive (RFC 9110 §11.1); the token is not.
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header ?? "");
  const valid = await sameSecret(match?.[1] ?? "", adminToken);
  if (!match || !valid) throw new AppError("UNAUTHORIZED");
}

/** For pages: whether the request is the admin's (no exception for "no"). */
export async function isAdmin(req: Request, adminToken: string | undefined): Promise<boolean> {
  try {
    await requireAdmin(req, adminToken);
    return true;
  } catch (error) {
    if (error instanceof AppError) return false;
    throw error;
  }
}

/** Failed sign-ins one client IP may make per window; then it waits for the window's end. */
export const MAX_FAILED_SIGN_INS = 10;
export const FAILED_SIGN_IN_WINDOW_MS = 15 * 60_000;
/** Addresses remembered at most, so a spray from many addresses cannot grow memory without end. */
const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Counts failed sign-ins (the sign-in form, and a wrong bearer token on an admin route) per client
 * IP, in process: the admin must be able to sign in while Redis is down (to reconcile after a data
 * loss), so the throttle does not depend on it. With WORKERS processes an address gets up to
 * WORKERS × MAX_FAILED_SIGN_INS tries per window, still nothing against a token of 16+ characters.
 */
export class AdminGate {
  private static readonly gates = new WeakMap<object, AdminGate>();
  private readonly failures = new Map<string, { count: number; resetAt: number }>();
  private readonly audit: AdminAudit;

  private constructor(private readonly adminToken: string | undefined, sql: Sql) {
    this.audit = new AdminAudit(sql);
  }

  /** The gate of one platform (one per app, so test apps sharing a process never meet). */
  static of(platform: { config: Config; sql: Sql }): AdminGate {
    let gate = AdminGate.gates.get(platform);
    if (!gate) {
      gate = new AdminGate(platform.config.ADMIN_TOKEN, platform.sql);
      AdminGate.gates.set(platform, gate);
    }
    return gate;
  }

  /** Seconds `ip` must still wait before it may try a token again; 0 when it may now. */
  lockedForS(ip: string): number {
    const entry = this.failures.get(ip);
    if (!entry) return 0;
    const left = entry.resetAt - Date.now();
    if (left <= 0) {
      this.failures.delete(ip);
      return 0;
    }
    return entry.count >= MAX_FAILED_SIGN_INS ? Math.ceil(left / 1000) : 0;
  }

  /** Counts a failed sign-in against `ip` and writes it to the audit log. */
  async failed(req: Request, ip: string, actor: SignInActor): Promise<void> {
    const now = Date.now();
    const entry = this.failures.get(ip);
    if (entry && entry.resetAt > now) entry.count++;
    else {
      if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.forgetOldest(now);
      this.failures.delete(ip);
      this.failures.set(ip, { count: 1, resetAt: now + FAILED_SIGN_IN_WINDOW_MS });
    }
    await this.audit.failedSignIn(req, ip, actor);
  }

  /**
   * `requireAdmin` for the admin routes, throttled: an address past its failed sign-ins waits
   * (429 with Retry-After) before any bearer token of it is even compared.
   */
  async require(req: Request, ip: string): Promise<void> {
    const bearer = req.headers.has("authorization");
    if (bearer && this.adminToken) {
      const waitS = this.lockedForS(ip);
      if (waitS > 0) throw tooManyFailures(waitS);
    }
    try {
      await requireAdmin(req, this.adminToken);
    } catch (error) {
      // A rejected session cookie is no guess at the token: HMAC forgery is not throttled here.
      if (bearer && error instanceof AppError && error.code === "UNAUTHORIZED") {
        await this.failed(req, ip, "bearer token");
      }
      throw error;
    }
  }

  private forgetOldest(now: number): void {
    for (const [ip, entry] of this.failures) {
      if (entry.resetAt <= now) this.failures.delete(ip);
    }
    // Still full: the oldest entries go first (a Map iterates in insertion order).
    for (const ip of this.failures.keys()) {
      if (this.failures.size < MAX_TRACKED_ADDRESSES) break;
      this.failures.delete(ip);
    }
  }
}

export function tooManyFailures(waitS: number): AppError {
  return new AppError(
    "RATE_LIMITED",
    "Too many failed admin sign-ins from this address; retry after the seconds in Retry-After.",
    undefined,
    waitS,
  );
}
