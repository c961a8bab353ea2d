import { leadingZeroBits, proofInput } from "../domain/proof.ts";

/**
 * The page's side of the waiting room's proof of work (lib/domain/proof.ts says what a proof is):
 * finding a nonce, with WebCrypto, in the page's worker (lib/client/pow_worker.ts). Plain module
 * code, so Deno's tests run the very same search.
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

export async function proofDigest(challenge: string, nonce: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", proofInput(challenge, nonce)));
}

/**
 * Tries the nonces "1", "2", … (base 36: 11 characters at most, well within NONCE_MAX_LENGTH)
 * until one has `bits` leading zero bits; `onProgress` hears the count tried after each batch.
 * About 2^bits tries are expected.
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
