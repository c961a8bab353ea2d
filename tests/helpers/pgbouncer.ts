import { freePort, PG_PORT } from "./env.ts";

/**
 * A PgBouncer of the test's own (Debian's `pgbouncer`) in transaction pooling mode, in front of the
 * tests' PostgreSQL: every database, user `postgres`, no password (trust, as the server).
 */
export class PgBouncer {
  private constructor(
    readonly port: number,
    private readonly child: Deno.ChildProcess,
    private readonly dir: string,
  ) {}

  /** The URL of `database` through the bouncer. */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async start(): Promise<PgBouncer> {
    const dir = await Deno.makeTempDir({ prefix: "fs-pgbouncer-" });
    // Readable by the user pgbouncer switches to when started as root.
    await Deno.chmod(dir, 0o755);
    const port = freePort();
    await Deno.writeTextFile(`${dir}/userlist.txt`, `"postgres" ""\n`);
    await Deno.writeTextFile(
      `${dir}/pgbouncer.ini`,
      [
        "[databases]",
        `* = host=127.0.0.1 port=${PG_PORT}`,
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        `listen_port = ${port}`,
        "unix_socket_dir =",
        "auth_type = trust",
        `auth_file = ${dir}/userlist.txt`,
        "pool_mode = transaction",
        "max_client_conn = 500",
        "default_pool_size = 8",
        "ignore_startup_parameters = extra_float_digits,statement_timeout,lock_timeout",
        "",
      ].join("\n"),
    );
    for (const f of ["userlist.txt", "pgbouncer.ini"]) await Deno.chmod(`${dir}/${f}`, 0o644);
    // pgbouncer refuses to run as root; -u drops to the postgres user.
    const asRoot = Deno.uid() === 0 ? ["-u", "postgres"] : [];
    const child = new Deno.Command("pgbouncer", {
      args: [...asRoot, `${dir}/pgbouncer.ini`],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const bouncer = new PgBouncer(port, child, dir);
    const until = Date.now() + 15_000;
    for (;;) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return bouncer;
      } catch {
        if (Date.now() > until) {
          await bouncer.stop();
          throw new Error("pgbouncer did not start");
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.child.status;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
