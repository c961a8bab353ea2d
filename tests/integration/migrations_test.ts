/**
 * Test databases are clones of a migrated template (tests/helpers/env.ts), so the migrations run
 * once per content; this test still runs them from scratch on an empty database.
 */
import { migrate, readMigrations } from "../../db/migrate.ts";
import { connectDb, type Sql } from "../../lib/infra/db.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createEmptyDatabase, createTestDatabase } from "../helpers/env.ts";

/** Every column of every table, with its type, nullability and default. */
async function schema(sql: Sql): Promise<string[]> {
  const rows = await sql<{ c: string }[]>`
    SELECT concat_ws(' ', table_name, column_name, data_type, is_nullable, column_default) AS c
    FROM information_schema.columns WHERE table_schema = 'public'
    ORDER BY table_name, ordinal_position`;
  return rows.map((r) => r.c);
}

Deno.test("the migrations build an empty database from scratch, once, to the schema tests clone", async () => {
  const empty = await createEmptyDatabase();
  const clone = await createTestDatabase();
  const sql = connectDb(empty.url, { max: 1 });
  const cloned = connectDb(clone.url, { max: 1 });
  try {
    assertEquals(await schema(sql), []);
    const names = (await readMigrations()).map((m) => m.name);
    assert(names.length >= 4, `only ${names.length} migrations`);
    assertEquals(await migrate(sql), names);
    const ledger = await sql<{ name: string }[]>`SELECT name FROM schema_migrations ORDER BY name`;
    assertEquals(ledger.map((r) => r.name), names);
    assertEquals(await migrate(sql), [], "a second run applies nothing");

    const [seed] = await sql`
      SELECT total_stock, per_user_limit, start_time <= now() AS started,
             end_time - start_time = interval '24 hours' AS day_long
      FROM sales WHERE id = 1`;
    assertEquals({ ...seed }, {
      total_stock: 100,
      per_user_limit: 1,
      started: true,
      day_long: true,
    });
    assertEquals(await schema(cloned), await schema(sql), "the template matches the migrations");
    // A clone's seed sale is live now, however old the template.
    const [live] = await cloned`
      SELECT start_time <= now() AND end_time > now() + interval '23 hours' AS live
      FROM sales WHERE id = 1`;
    assertEquals(live?.live, true);
  } finally {
    await sql.end();
    await cloned.end();
    await empty.drop();
    await clone.drop();
  }
});
