import { idParam } from "../../lib/web/http.ts";
import { userIdSchema } from "../../lib/domain/input.ts";
import { createSaleInput, saleTimesInput, updateSaleInput } from "../../lib/domain/input.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

const VALID = {
  name: "  Spring sale  ",
  totalStock: 100,
  startTime: "2030-01-01T10:00:00Z",
  endTime: "2030-01-01T14:00:00+02:00",
};

function issues(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) {
  assert(!result.success, "expected a refusal");
  return result.error!.issues.map((i) => i.path.join("."));
}

Deno.test("createSaleInput parses a valid sale: trims the name, fills defaults, makes Dates", () => {
  const r = createSaleInput.safeParse(VALID);
  assert(r.success, JSON.stringify(r.error));
  assertEquals(r.data, {
    name: "Spring sale",
    description: "",
    totalStock: 100,
    perUserLimit: 1,
    startTime: new Date("2030-01-01T10:00:00.000Z"),
    endTime: new Date("2030-01-01T12:00:00.000Z"),
    waitingRoom: null,
    checkout: null,
  });
});

Deno.test("checkout takes DESIGN §9's default and range, and null turns it off", () => {
  assertEquals(createSaleInput.safeParse({ ...VALID, checkout: {} }).data?.checkout, {
    holdSeconds: 600,
  });
  assertEquals(
    createSaleInput.safeParse({ ...VALID, checkout: { holdSeconds: 30 } }).data?.checkout,
    { holdSeconds: 30 },
  );
  assertEquals(updateSaleInput.safeParse({ checkout: null }).data, { checkout: null });
  for (
    const bad of [
      { holdSeconds: 29 },
      { holdSeconds: 3601 },
      { holdSeconds: 60.5 },
      {
        holdSeconds: "600",
      },
      { holdSeconds: 600, extra: 1 },
      600,
      "on",
    ]
  ) {
    assertEquals(
      issues(createSaleInput.safeParse({ ...VALID, checkout: bad }))[0]?.startsWith("checkout"),
      true,
      JSON.stringify(bad),
    );
  }
});

Deno.test("a waiting room takes DESIGN §8's defaults and ranges, and null turns it off", () => {
  const r = createSaleInput.safeParse({ ...VALID, waitingRoom: { powBits: 8 } });
  assert(r.success, JSON.stringify(r.error));
  assertEquals(r.data.waitingRoom, {
    powBits: 8,
    admissionTtlSeconds: 120,
    overbook: 1.2,
    prequeueMinutes: 15,
  });
  assertEquals(updateSaleInput.safeParse({ waitingRoom: null }).data, { waitingRoom: null });
  for (
    const bad of [
      { powBits: 25 },
      { admissionTtlSeconds: 9 },
      { admissionTtlSeconds: 901 },
      { overbook: 0.9 },
      { overbook: 3.1 },
      { prequeueMinutes: 1441 },
      { powBits: 1.5 },
      { spots: 3 },
    ]
  ) {
    assertEquals(
      createSaleInput.safeParse({ ...VALID, waitingRoom: bad }).success,
      false,
      JSON.stringify(bad),
    );
  }
});

Deno.test("createSaleInput refuses unknown keys and bad values", () => {
  assertEquals(issues(createSaleInput.safeParse({ ...VALID, id: 3 })), [""]);
  assertEquals(issues(createSaleInput.safeParse({ ...VALID, remainingStock: 3 })), [""]);
  const bad: [Record<string, unknown>, string][] = [
    [{ name: "   " }, "name"],
    [{ name: "n".repeat(201) }, "name"],
    [{ totalStock: -1 }, "totalStock"],
    [{ totalStock: 1.5 }, "totalStock"],
    [{ totalStock: "5" }, "totalStock"],
    [{ totalStock: 10_000_001 }, "totalStock"],
    [{ perUserLimit: 0 }, "perUserLimit"],
    [{ perUserLimit: 1001 }, "perUserLimit"],
    [{ description: null }, "description"],
    [{ startTime: "2030-01-01" }, "startTime"],
    [{ startTime: "2030-01-01T10:00:00" }, "startTime"],
    [{ endTime: "2030-02-30T10:00:00Z" }, "endTime"],
    [{ endTime: 1_900_000_000_000 }, "endTime"],
  ];
  for (const [change, path] of bad) {
    assertEquals(issues(createSaleInput.safeParse({ ...VALID, ...change })), [path], path);
  }
  const { totalStock: _, ...noStock } = VALID;
  assertEquals(issues(createSaleInput.safeParse(noStock)), ["totalStock"]);
});

Deno.test("updateSaleInput parses a partial change and refuses unknown keys", () => {
  const r = updateSaleInput.safeParse({ totalStock: 5, endTime: "2030-01-02T00:00:00Z" });
  assert(r.success, JSON.stringify(r.error));
  assertEquals(r.data.totalStock, 5);
  assertEquals(r.data.endTime, new Date("2030-01-02T00:00:00Z"));
  assertEquals(issues(updateSaleInput.safeParse({ totalStock: 5, extra: 1 })), [""]);
  assertEquals(issues(updateSaleInput.safeParse({ perUserLimit: 0 })), ["perUserLimit"]);
  assertEquals(issues(updateSaleInput.safeParse({ name: null })), ["name"]);
});

Deno.test("updateSaleInput names only what changes: no defaults, an empty change refused", () => {
  const r = updateSaleInput.safeParse({ name: "Renamed" });
  assert(r.success, JSON.stringify(r.error));
  assertEquals(r.data, { name: "Renamed" });
  assert(!updateSaleInput.safeParse({}).success, "an empty PATCH is refused");
});

Deno.test("saleTimesInput takes exactly the two times", () => {
  const r = saleTimesInput.safeParse({ startTime: VALID.startTime, endTime: VALID.endTime });
  assert(r.success, JSON.stringify(r.error));
  assertEquals(issues(saleTimesInput.safeParse({ startTime: VALID.startTime })), ["endTime"]);
  assertEquals(
    issues(saleTimesInput.safeParse({ ...VALID })),
    [""],
  );
  const backwards = { startTime: VALID.startTime, endTime: VALID.startTime };
  assertEquals(issues(saleTimesInput.safeParse(backwards)), ["endTime"]);
});

Deno.test("idParam accepts positive integers of up to 15 digits only", () => {
  for (const ok of ["1", "42", "999999999999999"]) {
    assertEquals(idParam.safeParse(ok).data, Number(ok), ok);
  }
  for (
    const bad of ["", "0", "01", "-1", "+1", "1.5", "1e3", "0x1", " 1", "1 ", "abc", "9".repeat(16)]
  ) {
    assert(!idParam.safeParse(bad).success, JSON.stringify(bad));
  }
});

Deno.test("userIdSchema: 1 to 255 visible characters, no control characters", () => {
  for (const ok of ["a", "x".repeat(255), "shopper-1@example.com", "日本語", "😀", "a b"]) {
    assert(userIdSchema.safeParse(ok).success, JSON.stringify(ok));
  }
  for (
    const bad of [
      "",
      "x".repeat(256),
      "a\u0000",
      "a\nb",
      "\t",
      "\u007f",
      "\u0085",
      "\ud800",
      "a\udfff",
    ]
  ) {
    assert(!userIdSchema.safeParse(bad).success, JSON.stringify(bad));
  }
});
