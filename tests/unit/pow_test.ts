import { assert, assertEquals } from "../helpers/assert.ts";
import { createHash } from "node:crypto";
import { leadingZeroBits, PrefixHash, solve } from "../../loadtest/pow.ts";

const hex = (words: Uint32Array) => [...words].map((w) => w.toString(16).padStart(8, "0")).join("");

Deno.test("pow: the plain-JavaScript SHA-256 agrees with node:crypto across block boundaries", () => {
  for (let p = 0; p <= 140; p += 1) {
    const prefix = "é".repeat(p % 3) + "c".repeat(p);
    const hash = new PrefixHash(prefix);
    for (const suffix of ["", "0", "zz", "1a2b3c", "x".repeat(32), "y".repeat(55)]) {
      const expected = createHash("sha256").update(prefix + suffix, "utf8").digest("hex");
      assertEquals(hex(hash.digest(suffix)), expected, `${p} ${suffix.length}`);
    }
  }
});

Deno.test("pow: leading zero bits count from the first byte's most significant bit", () => {
  assertEquals(leadingZeroBits(new Uint32Array([0x80000000, 0])), 0);
  assertEquals(leadingZeroBits(new Uint32Array([0x01ffffff, 0])), 7);
  assertEquals(leadingZeroBits(new Uint32Array([0x00100000, 0])), 11);
  assertEquals(leadingZeroBits(new Uint32Array([0, 1])), 63);
});

Deno.test("pow: a solved nonce meets the bits, checked with WebCrypto", async () => {
  const challenge = "sale-7.shopper-é.12.1700000000000.c2lnbmF0dXJlIG9mIGEgbG9uZyBjaGFsbGVuZ2U";
  const nonce = solve(challenge, 12);
  assert(nonce.length >= 1 && nonce.length <= 32);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${challenge}:${nonce}`)),
  );
  assertEquals(digest[0], 0);
  assert(digest[1]! < 0x10, `${digest[1]}`);
  assertEquals(solve(challenge, 0), "0");
});
