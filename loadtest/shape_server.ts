/**
 * The answers of `deno task shape`, each without the app around it: what Deno's HTTP server alone
 * charges for the shape of an answer. `SHAPE` picks one:
 *
 * - `hello`: the bench's ceiling (loadtest/hello.ts)
 * - `read-body`: hello world after reading the request's body, as every purchase must
 * - `refusal`: the app's sold-out refusal (the same bytes, headers and status), body not read
 * - `sold-out`: the body read and parsed, then that refusal: a sold-out answer minus routing,
 *   validation and the buyer check
 * - `status`: a status read's answer (a sale's JSON, with the app's headers) to a GET: a status read
 *   minus routing, the id's validation and the catalog
 */
import { soldOutResponse } from "../lib/domain/outcome.ts";
import { saleJsonText } from "../lib/domain/sale.ts";
import { jsonText } from "../lib/web/http.ts";
import { security } from "../lib/web/security.ts";

const withHeaders = security([]);
const start = new Date(Date.now() - 60_000);
const sale = {
  id: 1,
  name: "bench 10000000",
  description: "",
  totalStock: 10_000_000,
  perUserLimit: 1,
  startTime: start,
  endTime: new Date(start.getTime() + 3_600_000),
  waitingRoom: null,
  checkout: null,
  updatedAt: start,
};
const answers: Record<string, (req: Request) => Response | Promise<Response>> = {
  hello: () => new Response("Hello, world"),
  "read-body": async (req) => {
    await req.bytes();
    return new Response("Hello, world");
  },
  refusal: (req) => withHeaders(req, soldOutResponse),
  "sold-out": async (req) => {
    JSON.parse(new TextDecoder().decode(await req.bytes()));
    return withHeaders(req, soldOutResponse);
  },
  status: (req) => withHeaders(req, () => jsonText(saleJsonText(sale, 9_990_000, Date.now()))),
};

const shape = Deno.env.get("SHAPE") ?? "hello";
const fetch = answers[shape];
if (!fetch) throw new Error(`SHAPE must be one of ${Object.keys(answers).join(", ")}`);

export default { fetch } satisfies Deno.ServeDefaultExport;
