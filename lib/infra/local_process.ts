/** Small helpers for the local programs the embedded services run (initdb, pg_ctl, redis-server). */

/** A port nobody listens on right now, on the loopback. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to its end, as `user` when given. A program that is not on this machine is a
 * result (code 127, as a shell says), not a throw.
 */
export async function run(
  command: string,
  args: string[],
  user?: { uid: number; gid: number },
): Promise<RunResult> {
  try {
    const out = await new Deno.Command(command, {
      args,
      stdin: "null",
      ...user && { uid: user.uid, gid: user.gid },
    }).output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${command}: not found` };
    }
    throw error;
  }
}

/** The last lines of a log file, for a message about a start that failed ("" if unreadable). */
export async function tail(path: string, lines = 10): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
