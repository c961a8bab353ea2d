/**
 * The proof of work that joining a sale's line costs (docs/waiting-room.md): a nonce such that
 * SHA-256 of the UTF-8 of `challenge + ":" + nonce` has at least `bits` leading zero bits, counted
 * from the most significant bit of the first byte. Plain WebCrypto, so the same code runs in the
 * page's worker (lib/client/pow_worker.ts) and in Deno's tests.
 */

/** What the page asks of the worker. */
export interface ProofRequest {
  challenge: string;
  bits: number;
}

/** What the worker tells the page: how many nonces it has tried, then the one it found. */
export type ProofMessage =
  | { kind: "progress"; tried: number }
  | { kind: "found"; nonce: string; tried: number };

/** Digests computed at once: WebCrypto's digest is asynchronous, one at a time would crawl. */
const BATCH = 256;

const encoder = new TextEncoder();

export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

export async function proofDigest(challenge: string, nonce: string): Promise<Uint8Array> {
  const data = encoder.encode(`${challenge}:${nonce}`);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

/**
 * Tries the nonces "1", "2", … (base 36: 11 characters at most, well under the limit of 32) until
 * one has `bits` leading zero bits; `onProgress` hears the count tried after each batch. About
 * 2^bits tries are expected.
 */
export async function solve(
  challenge: string,
  bits: number,
  onProgress: (tried: number) => void,
): Promise<{ nonce: string; tried: number }> {
  for (let first = 1;; first += BATCH) {
    const nonces = Array.from({ length: BATCH }, (_, i) => (first + i).toString(36));
    const digests = await Promise.all(nonces.map((nonce) => proofDigest(challenge, nonce)));
    const hit = digests.findIndex((digest) => leadingZeroBits(digest) >= bits);
    if (hit >= 0) return { nonce: nonces[hit]!, tried: first + hit };
    onProgress(first + BATCH - 1);
  }
}
