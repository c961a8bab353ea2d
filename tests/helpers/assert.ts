/** Assertions from Node's built-in module (JSR's @std/assert cannot be fetched here). */
export {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
