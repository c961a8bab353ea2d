import { timingSafeEqual } from "node:crypto";
import { AppError } from "./errors.ts";

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * Checks `Authorization: Bearer <ADMIN_TOKEN>`. The comparison runs on fixed-length digests in
 * constant time, so neither the token's content nor its length leaks through timing.
 */
export async function requireAdmin(req: Request, adminToken: string | undefined): Promise<void> {
  if (!adminToken) throw new AppError("ADMIN_DISABLED");
  const header = req.headers.get("authorization") ?? "";
  // The scheme name is case-insensitive (RFC 9110 §11.1); the token is not.
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
  const given = await digest(match?.[1] ?? "");
  const expected = await digest(adminToken);
  if (!match || !timingSafeEqual(given, expected)) throw new AppError("UNAUTHORIZED");
}
