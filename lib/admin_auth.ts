import { timingSafeEqual } from "node:crypto";
import { AppError } from "./errors.ts";

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
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
/** The header a cookie-authenticated change must carry (see requireAdmin). */
export const CSRF_HEADER = "x-requested-with";
export const CSRF_VALUE = "flashline";

/**
 * The cookie's value: derived from the token, so the cookie never holds the token itself, and a
 * new token ends every session.
 */
export async function adminSession(adminToken: string): Promise<string> {
  const bytes = await digest(`flashline admin session v1\0${adminToken}`);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
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
 * cookie. Both compare in constant time.
 */
export async function requireAdmin(req: Request, adminToken: string | undefined): Promise<void> {
  if (!adminToken) throw new AppError("ADMIN_DISABLED");
  const header = req.headers.get("authorization");
  if (header === null && cookie(req, ADMIN_COOKIE) !== undefined) {
    if (!(await sameSecret(cookie(req, ADMIN_COOKIE) ?? "", await adminSession(adminToken)))) {
      throw new AppError("UNAUTHORIZED");
    }
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
