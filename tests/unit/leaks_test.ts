import { assertEquals } from "../helpers/assert.ts";
import { assertNoLeak } from "../helpers/leaks.ts";

function failure(text: string): string {
  try {
    assertNoLeak(text, "case");
  } catch (error) {
    return (error as Error).message;
  }
  return "no failure";
}

Deno.test("the leak check passes a clean error and names what leaked otherwise", () => {
  assertNoLeak('{"error":{"code":"VALIDATION_FAILED","message":"Invalid body."}}', "clean");
  const leaked = [
    ["a stack frame", "TypeError x\n    at handler (main:1:2)"],
    ["Error:", "TypeError: x"],
    ["a file path", "see /work/app/lib/db.ts"],
    ["postgres internals", 'duplicate key value violates unique constraint "orders_pkey"'],
    ["redis internals", "NOSCRIPT No matching script"],
    ["a redis error reply", "ERR wrong number of arguments"],
  ];
  for (const [what, text] of leaked) {
    assertEquals(failure(text!).startsWith(`leaks ${what}:`), true, `${what}: ${failure(text!)}`);
  }
});
