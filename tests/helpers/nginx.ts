import { freePort } from "./env.ts";

const ROOT = new URL("../../", import.meta.url);

/** One directive of an nginx configuration: `name args…;` or `name args… { block }`. */
export interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
}

/** The words of an nginx configuration: quoted strings unquoted, `{ } ;` alone, comments dropped. */
function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "#") { while (i < text.length && text[i] !== "\n") i++; }
    else if (c === "{" || c === "}" || c === ";") out.push(text[i++]!);
    else if (c === '"' || c === "'") {
      let word = "";
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        word += text[i];
      }
      if (i >= text.length) throw new Error("nginx config: unterminated string");
      i++;
      out.push(word);
    } else {
      let word = "";
      while (i < text.length && !/[\s{};]/.test(text[i]!)) word += text[i++];
      out.push(word);
    }
  }
  return out;
}

/** Parses an nginx configuration into its directives (enough to read it, not to validate it). */
export function parseNginx(text: string): Directive[] {
  const words = tokens(text);
  let i = 0;
  const block = (nested: boolean): Directive[] => {
    const out: Directive[] = [];
    while (i < words.length) {
      if (words[i] === "}") {
        if (!nested) throw new Error("nginx config: unexpected }");
        i++;
        return out;
      }
      const [name, ...args] = collect();
      if (name === undefined) throw new Error("nginx config: empty directive");
      if (words[i++] === "{") out.push({ name, args, block: block(true) });
      else out.push({ name, args });
    }
    if (nested) throw new Error("nginx config: missing }");
    return out;
  };
  const collect = (): string[] => {
    const out: string[] = [];
    while (i < words.length && !["{", ";", "}"].includes(words[i]!)) out.push(words[i++]!);
    if (i >= words.length || words[i] === "}") throw new Error("nginx config: missing ;");
    return out;
  };
  return block(false);
}

/** Every directive called `name` in `directives`, at any depth. */
export function findAll(directives: Directive[], name: string): Directive[] {
  return directives.flatMap((d) => [
    ...(d.name === name ? [d] : []),
    ...(d.block ? findAll(d.block, name) : []),
  ]);
}

/** `/usr/sbin/nginx` (Debian's package) or `nginx` on the PATH; null when neither is there. */
export function nginxBinary(): string | null {
  for (const path of ["/usr/sbin/nginx", ...(Deno.env.get("PATH") ?? "").split(":")]) {
    const file = path.endsWith("/nginx") ? path : `${path}/nginx`;
    try {
      if (Deno.statSync(file).isFile) return file;
    } catch { /* not there */ }
  }
  return null;
}

/**
 * nginx as a process of the test's own, with the project's `proxy/nginx.conf` (timeouts, error
 * pages, headers) pointed at the given app ports instead of the compose service `app`, listening on
 * a free loopback port, its pid, logs and temporary files in a directory of its own. The access log
 * names the upstream of each request, so a test can see that every instance served some.
 */
export class NginxProcess {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly child: Deno.ChildProcess,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(binary: string, appPorts: number[]): Promise<NginxProcess> {
    const port = freePort();
    const dir = await Deno.makeTempDir({ prefix: "fs-nginx-" });
    // Run as root (CI), nginx's workers switch to `nobody`: they must reach the directory.
    await Deno.chmod(dir, 0o755);
    const project = await Deno.readTextFile(new URL("proxy/nginx.conf", ROOT));
    const replace = (text: string, from: RegExp, to: string) => {
      if (!from.test(text)) throw new Error(`proxy/nginx.conf has no ${from}`);
      return text.replace(from, to);
    };
    // One worker: one round robin over the instances, whichever connection a request comes on.
    let conf = replace(project, /worker_processes auto;/, "worker_processes 1;");
    conf = replace(
      conf,
      /server app:8000;/,
      appPorts.map((p) => `server 127.0.0.1:${p};`).join("\n    "),
    );
    conf = replace(conf, /listen 8000;/, `listen 127.0.0.1:${port};`);
    conf = replace(
      conf,
      /access_log off;/,
      [
        "log_format upstreams '$request_method $uri $status $upstream_addr';",
        `access_log ${dir}/access.log upstreams;`,
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
          .map((t) => `${t}_temp_path ${dir}/${t};`),
      ].join("\n  "),
    );
    conf = `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n${conf}`;
    await Deno.writeTextFile(`${dir}/nginx.conf`, conf);
    const child = new Deno.Command(binary, {
      args: [
        "-p",
        `${dir}/`,
        "-e",
        `${dir}/error.log`,
        "-c",
        `${dir}/nginx.conf`,
        "-g",
        "daemon off;",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const proxy = new NginxProcess(port, dir, child);
    try {
      await proxy.ready();
    } catch (error) {
      await proxy.stop();
      throw error;
    }
    return proxy;
  }

  /** Until the port answers, or nginx exits (a bad configuration: its error log says why). */
  private async ready(): Promise<void> {
    let exited = false;
    void this.child.status.then(() => exited = true);
    const until = Date.now() + 10_000;
    for (;;) {
      if (exited || Date.now() > until) {
        const log = await Deno.readTextFile(`${this.dir}/error.log`).catch(() => "");
        throw new Error(`nginx did not start: ${log}`);
      }
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: this.port })).close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** The access log: one `METHOD uri status upstream` line per request. */
  async accessLog(): Promise<string[]> {
    const text = await Deno.readTextFile(`${this.dir}/access.log`).catch(() => "");
    return text.split("\n").filter((l) => l !== "");
  }

  async stop(): Promise<void> {
    try {
      this.child.kill("SIGQUIT");
    } catch { /* already gone */ }
    await this.child.status;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
