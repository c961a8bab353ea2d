import { assert } from "./assert.ts";

/** Text that must never reach a client: stack frames, file paths, driver internals. */
const LEAKS: [string, RegExp][] = [
  ["a stack frame", /\n\s*at |\bat (?:async )?\S+ \(|:\d+:\d+\)/],
  ["Error:", /Error:/i],
  ["a file path", /\/work\/|file:\/\/|node_modules|ext:deno/i],
  ["postgres internals", /postgres|sqlstate|relation "|violates|syntax error at/i],
  ["redis internals", /redis|WRONGTYPE|NOSCRIPT|\.lua\b/i],
  ["a redis error reply", /\bERR /],
];

/** Fails, naming what leaked, when an answer's text carries any internal detail. */
export function assertNoLeak(text: string, label: string): void {
  for (const [what, pattern] of LEAKS) assert(!pattern.test(text), `leaks ${what}: ${label}`);
}
