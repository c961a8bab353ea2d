import { signPayment, verifyPayment } from "../../lib/checkout/signature.ts";
import { assertEquals } from "../helpers/assert.ts";

const SECRET = "whsec-0123456789abcdef";
const BODY =
  '{"id":"evt_1","type":"payment.succeeded","orderId":"0190a0a0-0000-7000-8000-000000000000"}';
const NOW = 1_800_000_000;

Deno.test("a signature verifies over the exact body, within 300 s either way", async () => {
  const header = await signPayment(SECRET, BODY, NOW);
  assertEquals(header.startsWith(`t=${NOW},v1=`), true);
  assertEquals(await verifyPayment(SECRET, header, BODY, NOW), true);
  assertEquals(await verifyPayment(SECRET, header, BODY, NOW + 300), true);
  assertEquals(await verifyPayment(SECRET, header, BODY, NOW - 300), true);
  assertEquals(await verifyPayment(SECRET, header, BODY, NOW + 301), false);
  assertEquals(await verifyPayment(SECRET, header, BODY, NOW - 301), false);
  assertEquals(await verifyPayment(SECRET, header, BODY + " ", NOW), false);
  assertEquals(await verifyPayment("another-secret-0123", header, BODY, NOW), false);
  assertEquals(await verifyPayment(SECRET, null, BODY, NOW), false);
});

Deno.test("several v1 signatures: one that matches is enough (a secret being rolled)", async () => {
  const mac = (await signPayment(SECRET, BODY, NOW)).split("v1=")[1]!;
  const other = (await signPayment("old-secret-0123456789", BODY, NOW)).split("v1=")[1]!;
  assertEquals(await verifyPayment(SECRET, `t=${NOW},v1=${other},v1=${mac}`, BODY, NOW), true);
  assertEquals(await verifyPayment(SECRET, `t=${NOW}, v1=${mac.toUpperCase()}`, BODY, NOW), true);
  assertEquals(await verifyPayment(SECRET, `t=${NOW},v1=${other}`, BODY, NOW), false);
  for (
    const bad of [`v1=${mac}`, `t=${NOW}`, `t=${NOW},v0=${mac}`, `t=x,v1=${mac}`, "", "garbage"]
  ) {
    assertEquals(await verifyPayment(SECRET, bad, BODY, NOW), false, bad);
  }
});
