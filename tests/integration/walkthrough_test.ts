/**
 * The walk-through as a new user runs it: each ```sh block of docs/walkthrough.md,
 * pasted into bash against the real server (main.ts) on a fresh database, must print the answer
 * shown after it. Ids and times are placeholders on both sides, `…` in a shown answer stands for
 * any text, and whitespace is not compared (the page pretty-prints the JSON curl prints compact,
 * and psql pads its columns to the widest value).
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { PG_PORT } from "../helpers/env.ts";
import { serverFixture, ServerProcess } from "../helpers/processes.ts";

const README = new URL("../../README.md", import.meta.url);
const WALKTHROUGH = new URL("../../docs/walkthrough.md", import.meta.url);
const SECTION = "# Walk-through with curl";

interface Step {
  command: string;
  /** The block shown right after the command; null for a command that only sets variables. */
  answer: string | null;
}

function walkthrough(page: string): Step[] {
  const start = page.indexOf(SECTION);
  assert(start >= 0, `docs/walkthrough.md has no "${SECTION}"`);
  const end = page.indexOf("\n## ", start);
  const section = page.slice(start, end < 0 ? undefined : end);
  const steps: Step[] = [];
  for (const [, lang, text] of section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (lang === "sh") {
      steps.push({ command: text!, answer: null });
      continue;
    }
    const last = steps.at(-1);
    assert(last && last.answer === null, `an answer without its command:\n${text}`);
    last.answer = text!;
  }
  return steps;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** ISO 8601 (JSON) and PostgreSQL's timestamptz text (psql). */
const TIME = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00)/g;

function normalize(text: string): string {
  return text.replace(UUID, "<id>").replace(TIME, "<time>").replace(/-{3,}/g, "---")
    .replace(/\s+/g, "");
}

/** Whether `output` is the shown `answer`: an elided id (`01a21317-8e59-…`) is elided text too. */
function isShown(output: string, answer: string): boolean {
  const pattern = normalize(answer.replace(/[0-9a-f]{8}-[0-9a-f]{4}-…/g, "…"))
    .split("…")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[\\s\\S]*?");
  return new RegExp(`^${pattern}$`).test(normalize(output));
}

Deno.test("walk-through: each command prints the answer shown, from a clean database", async () => {
  const page = await Deno.readTextFile(WALKTHROUGH);
  const [vars, ...steps] = walkthrough(page);
  const defined = /^export B=(\S+) T=(\S+)\n$/.exec(vars?.command ?? "");
  assert(defined && vars?.answer === null, `the walk-through starts with "export B=… T=…"`);
  const token = defined[2]!;
  // The walk-through's token is the one the README and the page start the server with.
  const start = `ADMIN_TOKEN=${token} deno task start`;
  assert(page.includes(start) && (await Deno.readTextFile(README)).includes(start));
  assert(steps.length >= 5 && steps.every((s) => s.answer !== null));

  // Two processes, as `deno task start` runs on two cores: what the page shows must not depend
  // on which process answers.
  const f = await serverFixture({ ADMIN_TOKEN: token, WORKERS: "2" });
  const server = new ServerProcess(f.env);
  try {
    await server.start();
    for (const step of steps) {
      // The page's server is on :8000 with the database `flashsale`; this one is the test's own.
      const command = step.command.replaceAll("-d flashsale ", `-d ${f.db.name} `);
      const out = await new Deno.Command("bash", {
        args: ["-e", "-o", "pipefail", "-c", `${vars!.command}B=${server.url}\n${command}`],
        // psql's port: the tests' PostgreSQL may be an embedded one (dev/test.ts).
        env: { PSQLRC: "/dev/null", PGPORT: String(PG_PORT) },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const output = new TextDecoder().decode(out.stdout);
      assertEquals(out.code, 0, `${command}failed: ${new TextDecoder().decode(out.stderr)}`);
      assert(
        isShown(output, step.answer!),
        `docs/walkthrough.md shows for\n${command}\n${step.answer}\nbut it printed\n${output}`,
      );
    }
    // What the walk-through sold is in PostgreSQL, counted here too.
    const [row] = await f.sql<{ sold: number; orders: number }[]>`
      SELECT sum(quantity)::int AS sold, count(*)::int AS orders FROM orders WHERE sale_id = 2`;
    assertEquals(row, { sold: 3, orders: 2 });
  } finally {
    await f.close([server]);
  }
});
