import { parse } from "yaml";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { NOT_IN_IMAGE } from "../../dev/server_deps.ts";
import { type Directive, findAll, parseNginx } from "../helpers/nginx.ts";

/**
 * docker-compose.yml and proxy/nginx.conf as an engine runs them: what `docker compose up` on a
 * rootless engine, `docker compose ps` without the admin token, the first seconds after `up -d`
 * and an app that is down look like. (No engine runs in the tests: these read the files.)
 */
const ROOT = new URL("../../", import.meta.url);
const COMPOSE_FILES = ["docker-compose.yml", "docker-compose.cluster.yml"];

interface Service {
  environment?: Record<string, string>;
  ulimits?: Record<string, { soft: unknown; hard: unknown } | unknown>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
}

async function compose(file: string): Promise<{ services: Record<string, Service> }> {
  return parse(await Deno.readTextFile(new URL(file, ROOT)));
}

const nginx = async () => parseNginx(await Deno.readTextFile(new URL("proxy/nginx.conf", ROOT)));

/** `${NAME:-default}` -> the default, as a number. */
function defaultOf(value: unknown): number {
  const m = /^\$\{([A-Z_]+):-(\d+)\}$/.exec(String(value));
  if (!m) throw new Error(`not a variable with a default: ${value}`);
  return Number(m[2]);
}

Deno.test("compose: open-file limits are a variable whose default a rootless engine grants", async () => {
  for (const file of COMPOSE_FILES) {
    for (const [name, service] of Object.entries((await compose(file)).services)) {
      for (const [kind, limit] of Object.entries(service.ulimits ?? {})) {
        assertEquals(kind, "nofile", `${file} ${name}`);
        const { soft, hard } = limit as { soft: unknown; hard: unknown };
        for (const value of [soft, hard]) {
          assertMatch(String(value), /^\$\{NOFILE_LIMIT:-\d+\}$/, `${file} ${name}`);
          // An engine whose own hard limit is lower refuses to start the container
          // (`error setting rlimit type 7: operation not permitted`): 20,000 is one seen.
          assert(defaultOf(value) <= 20_000, `${file} ${name}: ${value}`);
        }
      }
    }
  }
  // nginx cannot read the variable: a fixed worker_rlimit_nofile above the container's hard limit
  // fails the same way, so nginx runs with the container's limit.
  assertEquals(findAll(await nginx(), "worker_rlimit_nofile"), []);
});

Deno.test("compose: only the app's start needs ADMIN_TOKEN; ps, logs, stop and down work without it", async () => {
  for (const file of COMPOSE_FILES) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    // `${X:?}` fails every command of the file, not only `up`, when X is unset.
    assertEquals(text.match(/\$\{[A-Z_]+:?\?[^}]*\}/g), null, file);
    assertEquals((await compose(file)).services.app!.environment!.ADMIN_TOKEN, "${ADMIN_TOKEN:-}");
  }
});

Deno.test("compose: the app starts once its engines and the bridge are healthy, the proxy once the app is", async () => {
  const { services } = await compose("docker-compose.yml");
  const healthy = (service: string, on: string[]) => {
    const deps = services[service]!.depends_on as Record<string, { condition: string }>;
    for (const d of on) assertEquals(deps[d]?.condition, "service_healthy", `${service} -> ${d}`);
  };
  healthy("app", ["redis", "postgres", "rest-bridge"]);
  healthy("rest-bridge", ["redis"]);
  healthy("proxy", ["app"]);
  for (const [service, port] of [["app", 8000], ["rest-bridge", 8079]] as const) {
    const test = services[service]!.healthcheck!.test.join(" ");
    assert(test.includes(`http://127.0.0.1:${port}/health`), `${service}: ${test}`);
  }
});

/** The location whose argument is `path`, in the server block. */
function location(conf: Directive[], path: string): Directive {
  const found = findAll(conf, "location").find((l) => l.args.at(-1) === path);
  if (!found) throw new Error(`no location ${path}`);
  return found;
}

function value(block: Directive[], name: string): string | undefined {
  return block.find((d) => d.name === name)?.args.join(" ");
}

const seconds = (v: string | undefined) => {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v ?? "");
  if (!m) throw new Error(`not a time: ${v}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as "s" ?? "s"];
};

Deno.test("nginx: a shopper waits seconds, not a minute, for an app that is down, and gets the JSON error", async () => {
  const conf = await nginx();
  const http = conf.find((d) => d.name === "http")!.block!;
  const server = http.find((d) => d.name === "server")!.block!;
  /** A directive as a location has it: its own, else its server's, else http's. */
  const inLocation = (l: Directive, name: string) =>
    value(l.block!, name) ?? value(server, name) ?? value(http, name);
  // The app's longest answer is a purchase waiting COMMIT_TIMEOUT_MS (3 s) for its commit, or an
  // admin statement of up to DB_STATEMENT_TIMEOUT_MS (10 s).
  const api = location(conf, "/");
  assert(seconds(inLocation(api, "proxy_connect_timeout")) <= 5);
  const read = seconds(inLocation(api, "proxy_read_timeout"));
  assert(read >= 10 && read <= 30, `proxy_read_timeout ${read}`);
  // Event streams flow unbuffered and outlive the app's heartbeat (every 15 s).
  const events = findAll(conf, "location").find((l) => l.args.some((a) => a.includes("/events")));
  assert(events, "a location for the event streams");
  assertEquals(inLocation(events, "proxy_buffering"), "off");
  assert(seconds(inLocation(events, "proxy_read_timeout")) > 15);
  assert(seconds(inLocation(events, "proxy_connect_timeout")) <= 5);

  // 502, 503 and 504 of nginx's own answer in the app's error shape.
  const errorPage = findAll(conf, "error_page").find((d) => d.args.includes("502"));
  assert(errorPage, "error_page 502 503 504");
  assertEquals(errorPage.args.slice(0, 4), ["502", "503", "504", "=503"]);
  const target = location(conf, errorPage.args.at(-1)!).block!;
  const [status, body] = target.find((d) => d.name === "return")!.args;
  assertEquals(status, "503");
  assertEquals(JSON.parse(body!).error.code, "UNAVAILABLE");
  assertEquals(value(target, "default_type"), "application/json");
});

Deno.test("compose: the app's and the bridge's health checks run with what the image has (deno)", async () => {
  const { services } = await compose("docker-compose.yml");
  let status = 503;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/health"
        ? new Response("{}", { status })
        : new Response("", { status: 404 }),
  );
  try {
    for (const [service, port] of [["app", 8000], ["rest-bridge", 8079]] as const) {
      const [kind, command, ...args] = services[service]!.healthcheck!.test;
      assertEquals(kind, "CMD", service);
      const run = async () =>
        (await new Deno.Command(command === "deno" ? Deno.execPath() : command!, {
          args: args.map((a) => a.replaceAll(`:${port}/`, `:${server.addr.port}/`)),
          stdout: "null",
          stderr: "null",
        }).output()).code;
      status = 503;
      assertEquals(await run(), 1, `${service}: unhealthy while /health answers 503`);
      status = 200;
      assertEquals(await run(), 0, `${service}: healthy once /health answers 200`);
    }
  } finally {
    await server.shutdown();
  }
});

/** Every .ts/.tsx file under `dir`, relative to the root. */
async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory && !["node_modules", ".git", ".tools"].includes(entry.name)) {
      yield* sources(`${path}/`);
    } else if (entry.isFile && /\.tsx?$/.test(entry.name)) yield path;
  }
}

Deno.test("image: the test and load tools it leaves out are imported by nothing the server runs", async () => {
  const dockerfile = await Deno.readTextFile(new URL("Dockerfile", ROOT));
  assert(dockerfile.includes("dev/server_deps.ts && deno install"), "the Dockerfile prunes them");
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  for (const name of NOT_IN_IMAGE) assert(config.imports[name], `${name} is in deno.json`);
  const offenders: string[] = [];
  for await (const path of sources("")) {
    if (/^(tests|loadtest|dev)\//.test(path)) continue;
    const text = await Deno.readTextFile(new URL(path, ROOT));
    for (const name of NOT_IN_IMAGE) {
      if (new RegExp(`from "(npm:)?${name}(@[^"/]*)?(/[^"]*)?"`).test(text)) {
        offenders.push(`${path}: ${name}`);
      }
    }
  }
  assertEquals(offenders, []);
});
