/**
 * A crowd that keeps arriving, ramping up and down like the seed's k6 stages: every iteration is a
 * new shopper. The stages bring far more shoppers than STOCK (default 100), so the stock must sell
 * out exactly and the rest be told SOLD_OUT.
 *
 *   k6 run -e API_URL=http://localhost:8000 -e ADMIN_TOKEN=... loadtest/k6/ramp.ts
 */
import type { Options } from "k6/options";
import { createSale, purchase, type SaleRun, STOCK, verify } from "./common.ts";

export const options: Options = {
  scenarios: {
    ramp: {
      executor: "ramping-vus",
      startVUs: 0,
      stages: [
        { duration: "5s", target: 200 },
        { duration: "20s", target: 200 },
        { duration: "5s", target: 0 },
      ],
      gracefulRampDown: "5s",
    },
  },
  thresholds: {
    checks: ["rate==1"],
    http_req_failed: ["rate==0"],
    "http_req_duration{name:purchase}": ["p(99)<1000"],
    purchases_confirmed: [`count==${STOCK}`],
    purchases_not_found: ["count==0"],
  },
};

export function setup(): SaleRun {
  return createSale("ramp");
}

export default function (run: SaleRun): void {
  purchase(run, `k6-ramp-${run.runId}-${__VU}-${__ITER}`);
}

export function teardown(run: SaleRun): void {
  verify(run, STOCK);
}
