/**
 * SHOPPERS shoppers (default 300), each clicking CLICKS times at once (default 10): the server must
 * sell each at most one order, and tell every click of a shopper of the same order.
 *
 *   deno task k6 storm     (API_URL, ADMIN_TOKEN, SHOPPERS, CLICKS, STOCK from the environment)
 */
import type { Options } from "k6/options";
import { createSale, type SaleRun, STOCK, storm, verify } from "./common.ts";

const SHOPPERS = Number(__ENV.SHOPPERS ?? 300);
const CLICKS = Number(__ENV.CLICKS ?? 10);
const EXPECTED = Math.min(STOCK, SHOPPERS);

export const options: Options = {
  scenarios: {
    storm: {
      executor: "per-vu-iterations",
      vus: SHOPPERS,
      iterations: 1,
      maxDuration: "2m",
    },
  },
  // Each shopper's clicks go out together, on connections of their own.
  batchPerHost: CLICKS,
  thresholds: {
    checks: ["rate==1"],
    http_req_failed: ["rate==0"],
    "http_req_duration{name:purchase}": ["p(99)<2000"],
    purchases_confirmed: [`count==${EXPECTED}`],
    purchases_not_found: ["count==0"],
  },
};

export function setup(): SaleRun {
  return createSale("storm");
}

export default function (run: SaleRun): void {
  storm(run, `k6-storm-${run.runId}-${__VU}`, CLICKS);
}

export function teardown(run: SaleRun): void {
  verify(run, EXPECTED);
}
