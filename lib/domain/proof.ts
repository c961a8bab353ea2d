/**
 * The waiting room's proof of work (DESIGN §8): a `nonce` such that SHA-256 of the UTF-8 of
 * `challenge + ":" + nonce` starts with at least `bits` zero bits, counted from the most
 * significant bit of the first byte. Shared by the server, which checks one hash, and the page's
 * worker, which tries about 2^bits.
 */

/** Characters a nonce may have at most. */
export const NONCE_MAX_LENGTH = 32;

/** What is hashed for a nonce. */
export function proofInput(challenge: string, nonce: string): Uint8Array {
  return new TextEncoder().encode(`${challenge}:${nonce}`);
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}
