import { type BuyerRecord, decodeBuyer, encodeBuyer } from "../../lib/gate/reservation.ts";
import { assertEquals } from "../helpers/assert.ts";

Deno.test("encodeBuyer/decodeBuyer round-trip every field", () => {
  const records: BuyerRecord[] = [
    {
      orderId: "01a2131b-9e72-7e7c-bdfb-71a8561dd4f2",
      quantity: 1,
      createdAtMs: 1_795_613_240_169,
    },
    { orderId: "01a2131b-0000-7000-8000-000000000000", quantity: 1000, createdAtMs: 0 },
    { orderId: "x", quantity: 7, createdAtMs: 8_640_000_000_000_000 },
  ];
  for (const r of records) {
    const text = encodeBuyer(r);
    assertEquals(text, `${r.orderId}:${r.quantity}:${r.createdAtMs}`);
    assertEquals(decodeBuyer(text), r);
  }
});

Deno.test("decodeBuyer reads what purchase.lua stores and fills missing parts", () => {
  assertEquals(decodeBuyer("abc:3:1700000000000"), {
    orderId: "abc",
    quantity: 3,
    createdAtMs: 1_700_000_000_000,
  });
  assertEquals(decodeBuyer("abc"), { orderId: "abc", quantity: 0, createdAtMs: 0 });
  assertEquals(decodeBuyer(""), { orderId: "", quantity: 0, createdAtMs: 0 });
});
