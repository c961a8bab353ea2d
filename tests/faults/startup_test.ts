/** What a new user sees when the server starts with two workers: once, whatever the outcome. */
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { freePort } from "../helpers/env.ts";
import { serverFixture, ServerProcess } from "../helpers/processes.ts";

const lines = (text: string, pattern: RegExp) => text.split("\n").filter((l) => pattern.test(l));

Deno.test("the start prints its listening line once, with links to the shop, admin, metrics, health", async () => {
  const f = await serverFixture({ WORKERS: "2" });
  const server = new ServerProcess(f.env);
  try {
    await server.start();
    await server.signal("SIGTERM");
    const { output } = server;
    assertEquals(lines(output, /listening on/).length, 1, output);
    assertMatch(output, /open files per process \d+/);
    for (const path of ["/", "/admin", "/metrics", "/health"]) {
      assertEquals(lines(output, new RegExp(` http://localhost:${server.port}${path}$`)).length, 1);
    }
    assertEquals(lines(output, /ADMISSION_SECRET is unset: .* set it in production$/).length, 1);
  } finally {
    await f.close([server]);
  }
});

Deno.test("without ADMIN_TOKEN (an unset compose variable) the start says the admin API is closed, and why", async () => {
  const f = await serverFixture({ ADMIN_TOKEN: "" });
  const server = new ServerProcess(f.env);
  try {
    await server.start();
    await server.signal("SIGTERM");
    const closed = lines(server.output, /admin console/);
    assertEquals(closed.length, 1, server.output);
    assertMatch(closed[0]!, /\/admin \(closed: ADMIN_TOKEN is not set/);
  } finally {
    await f.close([server]);
  }
});

Deno.test("Redis down: `cannot start` once, with the way to start Redis", async () => {
  const f = await serverFixture({ WORKERS: "2", REDIS_URL: `redis://127.0.0.1:${freePort()}` });
  try {
    const { code, stdout, stderr } = await new ServerProcess(f.env).run();
    assertEquals(code, 1);
    assertEquals(lines(stderr, /cannot start/).length, 1, stderr);
    assertMatch(stderr, /cannot start: Redis is unreachable at redis:\/\/127\.0\.0\.1:\d+/);
    assertEquals(lines(stderr, /^ {2}start it: docker run .* redis:7$/).length, 1, stderr);
    assertEquals(lines(stderr, /apt-get install redis-server/).length, 1, stderr);
    assert(!/listening on/.test(stdout), stdout);
  } finally {
    await f.close([]);
  }
});

Deno.test("PostgreSQL down: `cannot start` once, with the way to start PostgreSQL", async () => {
  const f = await serverFixture({
    WORKERS: "2",
    DATABASE_URL: `postgres://postgres@127.0.0.1:${freePort()}/flashsale`,
  });
  try {
    const { code, stdout, stderr } = await new ServerProcess(f.env).run();
    assertEquals(code, 1);
    assertEquals(lines(stderr, /cannot start/).length, 1, stderr);
    assertMatch(stderr, /cannot start: PostgreSQL is unreachable at postgres:\/\/127\.0\.0\.1:\d+/);
    assertEquals(lines(stderr, /^ {2}start it: docker run .* postgres:16$/).length, 1, stderr);
    assertEquals(lines(stderr, /apt-get install postgresql/).length, 1, stderr);
    assert(!/listening on/.test(stdout), stdout);
  } finally {
    await f.close([]);
  }
});
