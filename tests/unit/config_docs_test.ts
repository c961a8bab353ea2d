import { assertEquals, assertMatch } from "../helpers/assert.ts";
import { CONFIG_DOCS, configTable, withConfigTable } from "../../dev/gen_config_docs.ts";
import { configSchema } from "../../lib/infra/config.ts";

Deno.test("docs/configuration.md holds the table lib/infra/config.ts generates (run `deno task gen`)", async () => {
  const page = await Deno.readTextFile(CONFIG_DOCS);
  assertEquals(page, withConfigTable(page));
});

Deno.test("the configuration table has every variable, with defaults the schema gives", () => {
  const table = configTable();
  for (const name of Object.keys(configSchema.shape)) {
    assertMatch(table, new RegExp(`\\| \`${name}\` `));
  }
  assertMatch(table, /\| `PORT` +\| `8000` +\|/);
  assertMatch(table, /\| `ADMIN_TOKEN` +\| none +\|/);
  // Not the core count of the machine that generated the page.
  assertMatch(table, /\| `WORKERS` +\| one per core +\|/);
});
