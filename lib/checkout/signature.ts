/**
 * The payment webhook's signature (DESIGN §9), Stripe's scheme: the header
 * `Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. A header may
 * carry several `v1=` (a provider rolling its secret signs with both); one that matches is enough.
 * The timestamp bounds replays of a captured delivery to the tolerance either way.
 */

/** How far a signature's timestamp may be from now, either way (seconds). */
export const SIGNATURE_TOLERANCE_S = 300;

export const SIGNATURE_HEADER = "payment-signature";

const encoder = new TextEncoder();

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The header value that signs `rawBody` at `nowS` (unix seconds): what a payment provider sends. */
export async function signPayment(
  secret: string,
  rawBody: string,
  nowS = Math.floor(Date.now() / 1000),
): Promise<string> {
  return `t=${nowS},v1=${await hmacHex(secret, `${nowS}.${rawBody}`)}`;
}

/** Compares in time independent of where two strings differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * True when `header` signs `rawBody` with `secret`, at a time within the tolerance of `nowS`. A
 * missing, malformed, stale or wrong header is false.
 */
export async function verifyPayment(
  secret: string,
  header: string | null,
  rawBody: string,
  nowS = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  if (header === null || header.length > 2000) return false;
  let t: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === "t") t = value;
    else if (name === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (t === undefined || !/^[0-9]{1,12}$/.test(t) || signatures.length === 0) return false;
  if (Math.abs(nowS - Number(t)) > SIGNATURE_TOLERANCE_S) return false;
  const expected = await hmacHex(secret, `${t}.${rawBody}`);
  // Every candidate is compared, so the time taken says nothing of which one matched.
  return signatures.map((s) => sameText(s, expected)).some(Boolean);
}
