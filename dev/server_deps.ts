/**
 * Run by the Dockerfile: takes the test and load tools out of deno.json's imports, so the image
 * installs only what the server and its build (`deno task build`, esbuild) need. `deno install`
 * then prunes them from deno.lock and keeps every other locked version as it is.
 * (`deno install --entrypoint` would not do it: it installs every npm package deno.json names.)
 * tests/unit/compose_test.ts checks that nothing outside tests/, loadtest/ and dev/ imports them.
 */
export const TOOLS_ONLY = ["playwright-core", "fast-check", "yaml"];

if (import.meta.main) {
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  for (const name of TOOLS_ONLY) delete config.imports[name];
  await Deno.writeTextFile("deno.json", JSON.stringify(config, null, 2) + "\n");
}
