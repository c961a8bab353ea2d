import { Buffer } from "node:buffer";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { leadingZeroBits, proofInput } from "../domain/proof.ts";

/** How long a challenge may be solved and used. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export interface Challenge {
  challenge: string;
  bits: number;
  expiresAtMs: number;
}

/** A verified admission: which ticket it admits, and until when. */
export interface Admission {
  ticket: string;
  expiresAtMs: number;
}

/**
 * The waiting room's signed strings, checked without Redis: challenges (sale, shopper, bits,
 * expiry) and admissions (sale, shopper, ticket, expiry). The shopper is in the signature, not in
 * the string, so a challenge or admission names nobody and proves nothing for anyone else. Every
 * process signs with the same secret (secret.ts).
 */
export class LineTokens {
  constructor(private readonly secret: string) {}

  challenge(saleId: number, userId: string, bits: number, nowMs: number): Challenge {
    const expiresAtMs = nowMs + CHALLENGE_TTL_MS;
    const mac = this.mac(`c|${saleId}|${bits}|${expiresAtMs}|${userId}`);
    return { challenge: `${saleId}.${bits}.${expiresAtMs}.${mac}`, bits, expiresAtMs };
  }

  /**
   * True when `challenge` was signed for this sale and shopper, has not expired, asks at least
   * `minBits`, and `nonce` solves it.
   */
  proofHolds(
    saleId: number,
    userId: string,
    challenge: string,
    nonce: string,
    minBits: number,
    nowMs: number,
  ): boolean {
    const m = /^([0-9]+)\.([0-9]{1,2})\.([0-9]{1,15})\.([A-Za-z0-9_-]{43})$/.exec(challenge);
    if (!m || Number(m[1]) !== saleId) return false;
    const bits = Number(m[2]);
    const expiresAtMs = Number(m[3]);
    if (bits < minBits || expiresAtMs <= nowMs) return false;
    if (!this.same(m[4]!, `c|${saleId}|${bits}|${expiresAtMs}|${userId}`)) return false;
    const digest = createHash("sha256").update(proofInput(challenge, nonce)).digest();
    return leadingZeroBits(digest) >= bits;
  }

  admission(saleId: number, userId: string, ticket: string, expiresAtMs: number): string {
    return `${ticket}.${expiresAtMs}.${this.mac(`a|${saleId}|${ticket}|${expiresAtMs}|${userId}`)}`;
  }

  /** The admission's ticket when it was signed for this sale and shopper; null otherwise. */
  verifyAdmission(saleId: number, userId: string, token: string): Admission | null {
    const m = /^([A-Za-z0-9_-]{22})\.([0-9]{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return null;
    const ticket = m[1]!;
    const expiresAtMs = Number(m[2]);
    if (!this.same(m[3]!, `a|${saleId}|${ticket}|${expiresAtMs}|${userId}`)) return null;
    return { ticket, expiresAtMs };
  }

  private mac(text: string): string {
    return createHmac("sha256", this.secret).update(text).digest("base64url");
  }

  private same(mac: string, text: string): boolean {
    return timingSafeEqual(Buffer.from(mac), Buffer.from(this.mac(text)));
  }
}

/** A new ticket: 128 random bits, base64url (22 characters). */
export function newTicket(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}
