/**
 * The answers of `deno task shape`, each without the app around it: what Deno's HTTP server alone
 * charges for the shape of an answer. `SHAPE` picks one:
 *
 * - `hello`: the bench's ceiling (loadtest/hello.ts)
 * - `read-body`: hello world after reading the request's body, as every purchase must
 * - `refusal`: the app's sold-out refusal (the same bytes, headers and status), body not read
 * - `sold-out`: the body read and parsed, then that refusal: a sold-out answer minus routing,
 *   validation and the buyer check
 */
import { soldOutResponse } from "../lib/domain/outcome.ts";
import { security } from "../lib/web/security.ts";

const withHeaders = security([]);
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
};

const shape = Deno.env.get("SHAPE") ?? "hello";
const fetch = answers[shape];
if (!fetch) throw new Error(`SHAPE must be one of ${Object.keys(answers).join(", ")}`);

export default { fetch } satisfies Deno.ServeDefaultExport;
