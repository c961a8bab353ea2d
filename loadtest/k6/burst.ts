/**
 * The seed's "1000 users, 100 items": SHOPPERS distinct shoppers (default 1000), each buying once,
 * CONCURRENCY at a time (default 100), against a sale of STOCK items (default 100).
 *
 *   deno task k6 burst     (API_URL, ADMIN_TOKEN, SHOPPERS, CONCURRENCY, STOCK from the environment)
 */
import exec from "k6/execution";
import type { Options } from "k6/options";
import { createSale, purchase, type SaleRun, STOCK, verify } from "./common.ts";

const SHOPPERS = Number(__ENV.SHOPPERS ?? 1000);
const EXPECTED = Math.min(STOCK, SHOPPERS);

export const options: Options = {
  scenarios: {
    burst: {
      executor: "shared-iterations",
      vus: Number(__ENV.CONCURRENCY ?? 100),
      iterations: SHOPPERS,
      maxDuration: "2m",
    },
  },
  thresholds: {
    checks: ["rate==1"],
    http_req_failed: ["rate==0"],
    "http_req_duration{name:purchase}": ["p(99)<1000"],
    // What the shoppers were told must match what PostgreSQL holds (checked in teardown).
    purchases_confirmed: [`count==${EXPECTED}`],
    purchases_not_found: ["count==0"],
  },
};

export function setup(): SaleRun {
  return createSale("burst");
}

export default function (run: SaleRun): void {
  purchase(run, `k6-burst-${run.runId}-${exec.scenario.iterationInTest}`);
}

export function teardown(run: SaleRun): void {
  verify(run, EXPECTED);
}
