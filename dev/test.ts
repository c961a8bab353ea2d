/**
 * `deno task test`: `deno test --allow-all --parallel tests/` (plus any arguments given) against the
 * machine's PostgreSQL and Redis at 127.0.0.1:5432 and :6379, or, when either does not answer,
 * against an embedded PostgreSQL and a private Redis started for the run (lib/infra/embedded.ts):
 * one of each for the whole suite, each test still in a database and key prefix of its own. Their
 * URLs reach the tests as TEST_POSTGRES_URL and TEST_REDIS_URL (tests/helpers/env.ts). deno
 * test's output is its own, unchanged (CI reads its summary line), and so is its exit code.
 */
import { answers, startEmbedded } from "../lib/infra/embedded.ts";

const SHARED_POSTGRES = "postgres://postgres@127.0.0.1:5432";
const SHARED_REDIS = "redis://127.0.0.1:6379";

const shared = await Promise.all([answers(SHARED_POSTGRES, 5432), answers(SHARED_REDIS, 6379)]);
let env: Record<string, string> = {};
let stop = () => Promise.resolve();
if (!shared.every(Boolean)) {
  const dir = await Deno.makeTempDir({ prefix: "fs-test-services-" });
  // Run as root, PostgreSQL runs as the user postgres, who must reach its data directory in here.
  await Deno.chmod(dir, 0o755);
  const services = await startEmbedded(dir, { durable: false });
  env = { TEST_POSTGRES_URL: services.postgresUrl, TEST_REDIS_URL: services.redisUrl };
  stop = async () => {
    await services.stop();
    await Deno.remove(dir, { recursive: true });
  };
  const missing = [
    ...shared[0] ? [] : ["PostgreSQL at 127.0.0.1:5432"],
    ...shared[1] ? [] : ["Redis at 127.0.0.1:6379"],
  ];
  console.error(
    `no ${missing.join(" or ")}: the tests run on an embedded PostgreSQL ` +
      `${services.postgres.version} (${services.postgresUrl}) and Redis ` +
      `${services.redis.version} (${services.redisUrl}), started for this run`,
  );
}

const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "--allow-all", "--parallel", "tests/", ...Deno.args],
  env,
}).spawn();
// A Ctrl-C reaches deno test directly (one process group); a SIGTERM is passed on. Either way the
// services stop once it has ended.
Deno.addSignalListener("SIGINT", () => {});
Deno.addSignalListener("SIGTERM", () => child.kill("SIGTERM"));
const status = await child.status;
await stop();
Deno.exit(status.code);
