import { createHash } from "node:crypto";
import { proofDigest, solve } from "../../lib/client/pow.ts";
import { leadingZeroBits, NONCE_MAX_LENGTH } from "../../lib/domain/proof.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

/** The leading zero bits of a hex digest, read off its binary digits: a second way to count. */
function zeroBitsOfHex(hex: string): number {
  const binary = [...hex].map((c) => parseInt(c, 16).toString(2).padStart(4, "0")).join("");
  return binary.length - binary.replace(/^0+/, "").length;
}

/** SHA-256 of `challenge:nonce` by node:crypto, not WebCrypto. */
function sha256Hex(challenge: string, nonce: string): string {
  return createHash("sha256").update(`${challenge}:${nonce}`, "utf8").digest("hex");
}

Deno.test("client pow: zero bits count from the first byte's most significant bit", () => {
  const cases: [number[], number][] = [
    [[0xff, 0x00], 0],
    [[0x80], 0],
    [[0x7f], 1],
    [[0x0f, 0xff], 4],
    [[0x01], 7],
    [[0x00, 0x80], 8],
    [[0x00, 0x00, 0x20, 0x00], 18],
    [[0x00, 0x01, 0xff], 15],
    [new Array(32).fill(0), 256],
  ];
  for (const [bytes, bits] of cases) {
    assertEquals(leadingZeroBits(new Uint8Array(bytes)), bits, `${bytes}`);
  }
});

Deno.test("client pow: zero bits of real digests agree with their binary digits", async () => {
  // 2000 digests: about 1000 start with a zero bit, 250 with two, 8 with eight.
  for (let i = 0; i < 2000; i++) {
    const digest = await proofDigest("abc", String(i));
    assertEquals(leadingZeroBits(digest), zeroBitsOfHex(sha256Hex("abc", String(i))));
  }
});

Deno.test("client pow: proofDigest hashes the UTF-8 of challenge:nonce", async () => {
  const challenge = "vente-éclair-✓";
  const digest = await proofDigest(challenge, "42");
  const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  assertEquals(hex, sha256Hex(challenge, "42"));
});

Deno.test("client pow: solve finds the first nonce that holds, and reports progress", async () => {
  const challenge = "c2FsZTo3.shopper.1767225600000.signature";
  for (const bits of [0, 1, 8, 12]) {
    const progress: number[] = [];
    const found = await solve(challenge, bits, (tried) => progress.push(tried));
    assert(found.nonce.length >= 1 && found.nonce.length <= NONCE_MAX_LENGTH, found.nonce);
    assertEquals(found.nonce, found.tried.toString(36));
    assert(zeroBitsOfHex(sha256Hex(challenge, found.nonce)) >= bits, `${bits}: ${found.nonce}`);
    // No earlier nonce would have done: the count tried is the real count.
    for (let n = 1; n < found.tried; n++) {
      assert(zeroBitsOfHex(sha256Hex(challenge, n.toString(36))) < bits, `${bits}: ${n}`);
    }
    assert(progress.every((t, i) => t > (progress[i - 1] ?? 0) && t < found.tried), `${progress}`);
  }
});

Deno.test("client pow: solve of another challenge does not verify for this one", async () => {
  const found = await solve("challenge-a", 10, () => {});
  const other = await proofDigest("challenge-b", found.nonce);
  assert(leadingZeroBits(await proofDigest("challenge-a", found.nonce)) >= 10);
  // A 1 in 1024 coincidence is possible in principle; these fixed inputs do not hit it.
  assert(leadingZeroBits(other) < 10);
});
