/**
 * A crowd that keeps arriving, ramping up and down like the seed's k6 stages: every iteration is a
 * new shopper. The stages bring far more shoppers than STOCK (default 100), so the stock must sell
 * out exactly and the rest be told SOLD_OUT. STAGES (default `5s:200,20s:200,5s:0`, as the load
 * runner's --stages) shortens or stretches the crowd.
 *
 *   deno task k6 ramp     (API_URL, ADMIN_TOKEN, STOCK, STAGES from the environment)
 */
import { fail } from "k6";
import type { Options } from "k6/options";
import { createSale, purchase, type SaleRun, STOCK, verify } from "./common.ts";

/** "5s:200,20s:200,5s:0": to 200 virtual users in 5 s, 200 for 20 s, down to 0 in 5 s. */
function stages(text: string): { duration: string; target: number }[] {
  return text.split(",").map((part) => {
    const match = /^(\d+)s:(\d+)$/.exec(part.trim());
    if (!match) fail(`STAGES: "${part}" is not <seconds>s:<virtual users>`);
    return { duration: `${match[1]}s`, target: Number(match[2]) };
  });
}

export const options: Options = {
  scenarios: {
    ramp: {
      executor: "ramping-vus",
      startVUs: 0,
      stages: stages(__ENV.STAGES ?? "5s:200,20s:200,5s:0"),
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
