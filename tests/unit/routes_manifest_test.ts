import { generate } from "../../dev/gen_routes.ts";
import { assertEquals } from "../helpers/assert.ts";

Deno.test("routes.gen.ts is what dev/gen_routes.ts makes of routes/ (run `deno task gen`)", async () => {
  const current = await Deno.readTextFile(new URL("../../routes.gen.ts", import.meta.url));
  assertEquals(current, await generate());
});
