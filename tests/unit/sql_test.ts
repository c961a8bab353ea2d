import { loadQueries } from "../../lib/infra/sql.ts";
import { assertEquals, assertMatch, assertRejects } from "../helpers/assert.ts";

const FILE = `-- A header comment before the first query is ignored.

-- name: first
SELECT 1;

-- name: second   
SELECT a, b
FROM t
WHERE a = $1;
-- name:third
INSERT INTO t (a) VALUES ($1) -- name: not_a_query
RETURNING a;
`;

async function withFile(text: string, fn: (url: URL) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".sql" });
  try {
    await Deno.writeTextFile(path, text);
    await fn(new URL(`file://${path}`));
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("loadQueries finds each named query, trimmed", async () => {
  await withFile(FILE, async (url) => {
    const q = await loadQueries(url, ["first", "second", "third"] as const);
    assertEquals(q, {
      first: "SELECT 1;",
      second: "SELECT a, b\nFROM t\nWHERE a = $1;",
      third: "INSERT INTO t (a) VALUES ($1) -- name: not_a_query\nRETURNING a;",
    });
  });
});

Deno.test("loadQueries returns only the names asked for", async () => {
  await withFile(FILE, async (url) => {
    const q = await loadQueries(url, ["second"] as const);
    assertEquals(Object.keys(q), ["second"]);
  });
});

Deno.test("loadQueries throws on a missing name, naming it and the file", async () => {
  await withFile(FILE, async (url) => {
    await assertRejects(
      () => loadQueries(url, ["first", "missing"] as const),
      (error: Error) => {
        assertMatch(error.message, /no query named missing/);
        assertMatch(error.message, /\.sql/);
        return true;
      },
    );
    // A query mentioned only inside a line is not a query.
    await assertRejects(() => loadQueries(url, ["not_a_query"] as const), /not_a_query/);
  });
});
