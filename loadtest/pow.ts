/**
 * The waiting room's proof of work, as a shopper's client does it (docs/waiting-room.md): a nonce
 * such that SHA-256 of the UTF-8 of `challenge + ":" + nonce` has at least `bits` leading zero bits,
 * counted from the most significant bit of the first byte.
 *
 * The runner solves thousands of these on the machine it measures, so the hash is SHA-256 in plain
 * JavaScript that hashes the challenge's whole 64-byte blocks once and only the last block or two
 * per nonce: about 6 ms of CPU for 12 bits against 18 ms with node:crypto's createHash per nonce,
 * CPU the server under test would otherwise lose to the runner.
 */

const K = new Uint32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);
const IV = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
];

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** One block of SHA-256 into `state`, from `block` at `offset`; `w` is scratch. */
function compress(state: Uint32Array, w: Uint32Array, block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const o = offset + i * 4;
    w[i] = (block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
    const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
    w[i] = w[i - 16]! + s0 + w[i - 7]! + s1;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!;
    const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = state[0]! + a;
  state[1] = state[1]! + b;
  state[2] = state[2]! + c;
  state[3] = state[3]! + d;
  state[4] = state[4]! + e;
  state[5] = state[5]! + f;
  state[6] = state[6]! + g;
  state[7] = state[7]! + h;
}

const encoder = new TextEncoder();

/** SHA-256 of `prefix + suffix`, for many suffixes: the prefix's whole blocks are hashed once. */
export class PrefixHash {
  private readonly midstate = new Uint32Array(IV);
  private readonly tail: Uint8Array;
  private readonly length: number;
  private readonly w = new Uint32Array(64);
  private readonly state = new Uint32Array(8);
  /** The tail, the suffix and the padding: at most two blocks for a suffix of up to 55 bytes. */
  private readonly buffer = new Uint8Array(128);

  constructor(prefix: string) {
    const bytes = encoder.encode(prefix);
    const whole = bytes.length - bytes.length % 64;
    for (let o = 0; o < whole; o += 64) compress(this.midstate, this.w, bytes, o);
    this.tail = bytes.subarray(whole);
    this.length = bytes.length;
  }

  /** The digest as eight big-endian words; `suffix` is ASCII of at most 55 characters. */
  digest(suffix: string): Uint32Array {
    const buffer = this.buffer;
    buffer.fill(0);
    buffer.set(this.tail);
    let n = this.tail.length;
    for (let i = 0; i < suffix.length; i++) buffer[n++] = suffix.charCodeAt(i);
    buffer[n++] = 0x80;
    const blocks = n + 8 <= 64 ? 1 : 2;
    const bitLength = (this.length + suffix.length) * 8;
    const end = blocks * 64;
    buffer[end - 4] = bitLength >>> 24;
    buffer[end - 3] = bitLength >>> 16;
    buffer[end - 2] = bitLength >>> 8;
    buffer[end - 1] = bitLength;
    buffer[end - 5] = bitLength / 2 ** 32;
    this.state.set(this.midstate);
    for (let b = 0; b < blocks; b++) compress(this.state, this.w, buffer, b * 64);
    return this.state;
  }
}

/** Leading zero bits of a digest given as big-endian 32-bit words. */
export function leadingZeroBits(words: Uint32Array): number {
  let bits = 0;
  for (const word of words) {
    if (word !== 0) return bits + Math.clz32(word);
    bits += 32;
  }
  return bits;
}

/** Tries nonces 0, 1, 2, … in base 36 until one meets `bits`: about 2^bits hashes. */
export function solve(challenge: string, bits: number): string {
  const hash = new PrefixHash(`${challenge}:`);
  for (let n = 0;; n++) {
    const nonce = n.toString(36);
    if (leadingZeroBits(hash.digest(nonce)) >= bits) return nonce;
  }
}
