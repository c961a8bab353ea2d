import { loadConfig, namesServices } from "../../lib/infra/config.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

Deno.test("loadConfig: the documented defaults from an empty environment", () => {
  const c = loadConfig({});
  assertEquals(c.PORT, 8000);
  assertEquals(c.DATABASE_URL, "postgres://postgres@127.0.0.1:5432/flashsale");
  assertEquals(c.REDIS_URL, "redis://127.0.0.1:6379");
  assertEquals(c.REDIS_KEY_PREFIX, "fs");
  assertEquals(c.ADMIN_TOKEN, undefined);
  assertEquals(c.MAX_BODY_BYTES, 4096);
  assertEquals(c.DB_POOL_SIZE, 10);
  assertEquals(c.DB_PREPARED_STATEMENTS, true);
  assertEquals(loadConfig({ DB_PREPARED_STATEMENTS: "false" }).DB_PREPARED_STATEMENTS, false);
  assertEquals(c.COMMIT_TIMEOUT_MS, 3000);
  assertEquals(c.OUTBOX_MIN_AGE_MS, 5000);
});

Deno.test("loadConfig: an empty ADMIN_TOKEN (an unset compose variable) leaves the admin API closed", () => {
  assertEquals(loadConfig({ ADMIN_TOKEN: "" }).ADMIN_TOKEN, undefined);
});

Deno.test("loadConfig: an empty REDIS_URL or DATABASE_URL (an unset compose variable) means the default", () => {
  const c = loadConfig({ REDIS_URL: "", DATABASE_URL: "" });
  assertEquals(c.REDIS_URL, "redis://127.0.0.1:6379");
  assertEquals(c.DATABASE_URL, "postgres://postgres@127.0.0.1:5432/flashsale");
});

Deno.test("loadConfig: strings are coerced, unknown variables dropped", () => {
  const c = loadConfig({
    PORT: "8123",
    MAX_BODY_BYTES: "65536",
    ADMIN_TOKEN: "a-token-of-sixteen+",
    HOME: "/root",
  });
  assertEquals([c.PORT, c.MAX_BODY_BYTES, c.ADMIN_TOKEN], [8123, 65536, "a-token-of-sixteen+"]);
  assert(!("HOME" in c), "unknown variables are not copied");
});

Deno.test("loadConfig: an invalid PORT is refused with a message naming PORT", () => {
  for (const port of ["abc", "-1", "65536", "1.5", "80a"]) {
    const message = failure({ PORT: port });
    assertMatch(message, /invalid configuration/, port);
    assertMatch(message, /^\s*PORT: /m, port);
  }
});

Deno.test("loadConfig: other invalid values are refused, naming the variable", () => {
  const cases: [Record<string, string>, string][] = [
    [{ ADMIN_TOKEN: "short" }, "ADMIN_TOKEN"],
    [{ REDIS_KEY_PREFIX: "has space" }, "REDIS_KEY_PREFIX"],
    [{ REDIS_KEY_PREFIX: "x".repeat(33) }, "REDIS_KEY_PREFIX"],
    [{ DATABASE_URL: "not a url" }, "DATABASE_URL"],
    [{ MAX_BODY_BYTES: "10" }, "MAX_BODY_BYTES"],
    [{ DB_POOL_SIZE: "0" }, "DB_POOL_SIZE"],
    [{ DB_PREPARED_STATEMENTS: "no" }, "DB_PREPARED_STATEMENTS"],
    [{ COMMIT_TIMEOUT_MS: "-5" }, "COMMIT_TIMEOUT_MS"],
  ];
  for (const [env, name] of cases) {
    assertMatch(failure(env), new RegExp(`^\\s*${name}: `, "m"), JSON.stringify(env));
  }
});

Deno.test("loadConfig: the returned object is frozen", () => {
  const c = loadConfig({ PORT: "9000" });
  assert(Object.isFrozen(c), "frozen");
  let threw = false;
  try {
    (c as { PORT: number }).PORT = 1;
  } catch (error) {
    threw = error instanceof TypeError;
  }
  assert(threw, "assigning to a frozen config throws in strict mode");
  assertEquals(c.PORT, 9000);
});

Deno.test("loadConfig: JWKS mode refuses to start without SHOPPER_JWT_AUDIENCE and SHOPPER_JWT_ISSUER", () => {
  const jwks = { SHOPPER_JWKS_URL: "https://id.example/.well-known/jwks.json" };
  for (
    const [env, missing] of [
      [{ ...jwks }, /SHOPPER_JWT_AUDIENCE/],
      [{ ...jwks, SHOPPER_JWT_ISSUER: "https://id.example" }, /SHOPPER_JWT_AUDIENCE/],
      [{ ...jwks, SHOPPER_JWT_AUDIENCE: "flash-sale" }, /SHOPPER_JWT_ISSUER/],
      [{ ...jwks, SHOPPER_JWT_AUDIENCE: "", SHOPPER_JWT_ISSUER: "" }, /SHOPPER_JWT_AUDIENCE/],
    ] as const
  ) {
    const message = failure(env);
    assertMatch(message, /invalid configuration/, JSON.stringify(env));
    assertMatch(message, missing, JSON.stringify(env));
  }
  const c = loadConfig({
    ...jwks,
    SHOPPER_JWT_AUDIENCE: "flash-sale",
    SHOPPER_JWT_ISSUER: "https://id.example",
  });
  assertEquals([c.SHOPPER_JWT_AUDIENCE, c.SHOPPER_JWT_ISSUER], [
    "flash-sale",
    "https://id.example",
  ]);
});

Deno.test("namesServices: any Redis or PostgreSQL variable set names a service; empty ones do not", () => {
  assertEquals(namesServices({}), false);
  assertEquals(namesServices({ DATABASE_URL: "", REDIS_URL: "", PORT: "8000" }), false);
  for (
    const name of [
      "DATABASE_URL",
      "REDIS_URL",
      "REDIS_CLUSTER_NODES",
      "UPSTASH_REDIS_REST_URL",
      "UPSTASH_REDIS_REST_TOKEN",
    ]
  ) {
    assertEquals(namesServices({ [name]: "x" }), true, name);
  }
});
