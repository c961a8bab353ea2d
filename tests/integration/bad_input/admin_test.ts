/** Malformed admin changes: POST /api/admin/sales and PATCH /api/admin/sales/:id. */
import { admin } from "../../helpers/client.ts";
import {
  assertAllRefused,
  BAD_IDS,
  BAD_TIMES,
  bodyCases,
  fieldCases,
  HOUR,
  pathCases,
  withRaw,
  WRONG_TYPES,
} from "../../helpers/bad_input.ts";

const renamed = JSON.stringify({ name: "Renamed" });
const iso = (ms: number) => new Date(ms).toISOString();

Deno.test("malformed sale creations: each a clean 4xx error, and nothing is written", async () => {
  await assertAllRefused(() => {
    const now = Date.now();
    const valid = {
      name: "Never created",
      description: "",
      totalStock: 5,
      perUserLimit: 1,
      startTime: iso(now - HOUR),
      endTime: iso(now + HOUR),
    };
    const path = "/api/admin/sales";
    return [
      ...bodyCases("POST", path, valid, admin),
      ...fieldCases("POST", path, valid, admin, "name", [
        null,
        '""',
        '"   "',
        JSON.stringify("n".repeat(201)),
        "1",
        ...WRONG_TYPES,
      ]),
      ...fieldCases("POST", path, valid, admin, "description", [
        JSON.stringify("d".repeat(2001)),
        "1",
        ...WRONG_TYPES,
      ]),
      ...fieldCases("POST", path, valid, admin, "totalStock", [
        null,
        "-1",
        "-0.5",
        "1.5",
        "10000001",
        "1e400",
        '"5"',
        '""',
        ...WRONG_TYPES,
      ]),
      ...fieldCases("POST", path, valid, admin, "perUserLimit", [
        "0",
        "-1",
        "1.5",
        "1001",
        '"1"',
        ...WRONG_TYPES,
      ]),
      ...fieldCases("POST", path, valid, admin, "startTime", BAD_TIMES),
      ...fieldCases("POST", path, valid, admin, "endTime", BAD_TIMES),
      // Windows that end before (or when) they start.
      ...[0, -1, -HOUR, -48 * HOUR].map((delta) => ({
        label: `create with endTime = startTime ${delta}ms`,
        method: "POST",
        path,
        body: withRaw(valid, "endTime", JSON.stringify(iso(now - HOUR + delta))),
        headers: admin,
        status: 400,
        code: "VALIDATION_FAILED",
      })),
    ];
  }, 150);
});

Deno.test("malformed sale changes: each a clean 4xx error, and nothing is written", async () => {
  await assertAllRefused(async (app, saleId) => {
    const path = `/api/admin/sales/${saleId}`;
    const valid = { name: "Renamed" };
    const [window] = await app.sql`SELECT start_time, end_time FROM sales WHERE id = ${saleId}`;
    const saleStart = (window!.start_time as Date).getTime();
    const saleEnd = (window!.end_time as Date).getTime();
    const times = BAD_TIMES.filter((t) => t !== null);
    return [
      ...bodyCases("PATCH", path, { totalStock: 7 }, admin),
      ...fieldCases("PATCH", path, valid, admin, "name", [
        '""',
        '"  "',
        JSON.stringify("n".repeat(201)),
        ...WRONG_TYPES,
      ]),
      ...fieldCases("PATCH", path, valid, admin, "totalStock", [
        "-1",
        "1.5",
        '"7"',
        "10000001",
        ...WRONG_TYPES,
      ]),
      ...fieldCases("PATCH", path, valid, admin, "perUserLimit", [
        "0",
        "-1",
        "2.5",
        '"2"',
        ...WRONG_TYPES,
      ]),
      ...fieldCases("PATCH", path, valid, admin, "startTime", times),
      ...fieldCases("PATCH", path, valid, admin, "endTime", times),
      // Changes that would leave the window ending at or before its start.
      ...[
        { endTime: saleStart - HOUR },
        { endTime: saleStart },
        { startTime: saleEnd },
        { startTime: saleEnd + HOUR },
        { startTime: saleStart + HOUR, endTime: saleStart },
      ].map((change) => ({
        label: `PATCH window ${JSON.stringify(change)}`,
        method: "PATCH",
        path,
        body: JSON.stringify(
          Object.fromEntries(Object.entries(change).map(([k, v]) => [k, iso(v)])),
        ),
        headers: admin,
        status: 400,
        code: "VALIDATION_FAILED",
      })),
      // An empty change (no field at all).
      ...pathCases("PATCH", [path], 400, "VALIDATION_FAILED", { body: "{}", headers: admin }),
      ...pathCases(
        "PATCH",
        BAD_IDS.map((id) => `/api/admin/sales/${id}`),
        400,
        "VALIDATION_FAILED",
        { body: renamed, headers: admin },
      ),
      ...pathCases("PATCH", ["/api/admin/sales/99999"], 404, "SALE_NOT_FOUND", {
        body: renamed,
        headers: admin,
      }),
    ];
  }, 150);
});
