import {
  type Sale,
  saleJson,
  saleJsonText,
  saleStatus,
  settingsOf,
} from "../../lib/domain/sale.ts";
import { assertEquals } from "../helpers/assert.ts";

const START = Date.UTC(2030, 0, 1, 12, 0, 0);
const END = START + 3_600_000;

function sale(): Sale {
  return {
    id: 7,
    name: "Boundaries",
    description: "d",
    totalStock: 50,
    perUserLimit: 2,
    startTime: new Date(START),
    endTime: new Date(END),
    waitingRoom: null,
    checkout: null,
    updatedAt: new Date(START - 1000),
  };
}

Deno.test("saleStatus: the start is inclusive, the end exclusive", () => {
  const s = sale();
  const cases: [number, string][] = [
    [0, "UPCOMING"],
    [START - 1, "UPCOMING"],
    [START, "ACTIVE"],
    [START + 1, "ACTIVE"],
    [END - 1, "ACTIVE"],
    [END, "ENDED"],
    [END + 1, "ENDED"],
    [Number.MAX_SAFE_INTEGER, "ENDED"],
  ];
  for (const [now, expected] of cases) assertEquals(saleStatus(s, now), expected, `at ${now}`);
});

Deno.test("saleJson shows the sale as the API contract says", () => {
  assertEquals(saleJson(sale(), 12, END - 1), {
    id: 7,
    name: "Boundaries",
    description: "d",
    status: "ACTIVE",
    totalStock: 50,
    remainingStock: 12,
    perUserLimit: 2,
    startTime: "2030-01-01T12:00:00.000Z",
    endTime: "2030-01-01T13:00:00.000Z",
    waitingRoom: null,
    checkout: null,
    serverTime: new Date(END - 1).toISOString(),
  });
  assertEquals(saleJson(sale(), 0, END).status, "ENDED");
});

Deno.test("saleJsonText is saleJson's text, and follows the stock, the millisecond and the sale", () => {
  const s = sale();
  const text = (x: Sale, stock: number, now: number) => {
    const got = saleJsonText(x, stock, now);
    assertEquals(got, JSON.stringify(saleJson(x, stock, now)));
    return got;
  };
  const first = text(s, 12, END - 10);
  assertEquals(text(s, 12, END - 10), first);
  assertEquals(JSON.parse(text(s, 11, END - 10)).remainingStock, 11);
  assertEquals(JSON.parse(text(s, 11, END - 9)).serverTime, new Date(END - 9).toISOString());
  assertEquals(JSON.parse(text(s, 11, END)).status, "ENDED");
  // A sale refreshed from PostgreSQL is a new object: its own text, not the old one's.
  assertEquals(JSON.parse(text({ ...s, name: "Renamed" }, 11, END)).name, "Renamed");
});

Deno.test("settingsOf gives the gate the window in epoch ms", () => {
  assertEquals(settingsOf(sale()), {
    totalStock: 50,
    perUserLimit: 2,
    startMs: START,
    endMs: END,
    waitingRoom: false,
  });
});
