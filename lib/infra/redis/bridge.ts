import { timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import { type Redis, ReplyError } from "ioredis";

/**
 * The REST bridge: the Upstash REST protocol, as `@upstash/redis` speaks it, in front of one Redis.
 * It translates and does not interpret: a JSON array `["SET", "k", "v"]` becomes that command on
 * the wire, and the reply comes back as `{ "result": … }`, or `{ "error": "<Redis's text>" }`.
 *
 * - `POST /` one command; `POST /pipeline` an array of commands, run in order, not atomically,
 *   answered with one `{result}`/`{error}` per command; `POST /multi-exec` the same inside
 *   MULTI/EXEC.
 * - Only the commands the platform uses (ALLOWED): any other is answered 400 `{error}`, and a
 *   pipeline or transaction holding one is refused whole, before any of it runs.
 * - `Authorization: Bearer <token>`, else 401. Malformed bodies and Redis error replies: 400.
 *   Redis unreachable behind the bridge: 503, with Redis's client's text.
 * - `Upstash-Encoding: base64` in the request: every string in the reply is base64 of its bytes.
 * - `GET /health`, without a token, for an orchestrator's probe: 200 `{"status":"ok"}` while Redis
 *   answers PING, else 503 `{"status":"down"}`; it runs nothing else.
 */

type Reply = null | number | string | Buffer | Error | Reply[];
type Json = null | number | string | Json[];
type Command = [string, ...string[]];

/** Bodies above this are refused (413): a command array, not a bulk upload. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The commands the platform sends (lib/infra/redis/rest.ts: PING, GET, DEL, the stream commands of the
 * outbox and the change feed, and its scripts by EVALSHA then EVAL), and what @upstash/redis sends
 * to run scripts. Least privilege: with the bridge's token nothing else reaches Redis, neither
 * FLUSHALL, CONFIG, KEYS, SHUTDOWN, DEBUG nor commands that would change the state of the one
 * shared connection (SUBSCRIBE, SELECT, MULTI). A command added to rest.ts must be added here
 * (tests/unit/bridge_commands_test.ts fails until it is).
 */
const ALLOWED = new Set([
  "ping",
  "get",
  "del",
  "xadd",
  "xrange",
  "xrevrange",
  "xdel",
  "xlen",
  "hgetall",
  "hlen",
  "evalsha",
  "eval",
]);

/** Container commands, allowed only with these subcommands: SCRIPT FLUSH and KILL stay refused. */
const ALLOWED_SUBCOMMANDS = new Map([["script", new Set(["load", "exists"])]]);

/** Whether the bridge passes this command to Redis. */
export function allowedOverRest([name, subcommand]: Command): boolean {
  const command = name.toLowerCase();
  if (ALLOWED.has(command)) return true;
  return ALLOWED_SUBCOMMANDS.get(command)?.has(subcommand?.toLowerCase() ?? "") ?? false;
}

class BadRequest extends Error {}

function answer(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

function parseCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequest("ERR a command is a non-empty JSON array: [name, ...args]");
  }
  const args = value.map((arg) => {
    if (typeof arg === "string") return arg;
    if ((typeof arg === "number" && Number.isFinite(arg)) || typeof arg === "boolean") {
      return String(arg);
    }
    throw new BadRequest("ERR command arguments are strings or numbers");
  });
  const command = args as Command;
  if (!allowedOverRest(command)) {
    const name = command[0].toUpperCase();
    const shown = ALLOWED_SUBCOMMANDS.has(name.toLowerCase())
      ? `${name} ${(command[1] ?? "").toUpperCase()}`.trim()
      : name;
    throw new BadRequest(
      `ERR command not allowed by the REST bridge: ${shown} (it serves only the platform's commands)`,
    );
  }
  return command;
}

function parseCommands(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequest("ERR a pipeline is a non-empty JSON array of commands");
  }
  return value.map(parseCommand);
}

/** Bulk strings as bytes: base64 when asked, UTF-8 text otherwise. */
function encode(reply: Reply, base64: boolean): Json {
  if (reply === null || typeof reply === "number") return reply;
  if (typeof reply === "string") return base64 ? Buffer.from(reply).toString("base64") : reply;
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString("base64") : reply.toString("utf8");
  if (Array.isArray(reply)) return reply.map((r) => encode(r, base64));
  // An error inside a reply (e.g. in EXEC's array): its text, as Redis sent it.
  return reply.message;
}

function entry(outcome: PromiseSettledResult<unknown>, base64: boolean): Record<string, Json> {
  if (outcome.status === "rejected") {
    if (!(outcome.reason instanceof ReplyError)) throw outcome.reason;
    return { error: (outcome.reason as Error).message };
  }
  return { result: encode(outcome.value as Reply, base64) };
}

/** The HTTP handler, over an ioredis connection the caller owns. */
export function bridgeHandler(redis: Redis, token: string): (req: Request) => Promise<Response> {
  const expected = digest(token);
  const run = ([name, ...args]: Command) => redis.callBuffer(name, ...args);

  return async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/health") {
      const up = await redis.ping().then(() => true, () => false);
      return answer({ status: up ? "ok" : "down" }, up ? 200 : 503);
    }
    if (req.method !== "POST") return answer({ error: "ERR use POST" }, 405, { allow: "POST" });
    // Constant time on fixed-length digests: neither the token nor its length leaks.
    const match = /^Bearer ([\x21-\x7e]+)$/i.exec(req.headers.get("authorization") ?? "");
    const given = await digest(match?.[1] ?? "");
    if (!match || !timingSafeEqual(given, await expected)) {
      return answer({ error: "Unauthorized" }, 401, { "www-authenticate": "Bearer" });
    }
    if (path !== "/" && path !== "/pipeline" && path !== "/multi-exec") {
      return answer({ error: `ERR no such endpoint: ${path}` }, 404);
    }
    const base64 = req.headers.get("upstash-encoding")?.toLowerCase() === "base64";
    try {
      const text = await req.text();
      if (text.length > MAX_BODY_BYTES) return answer({ error: "ERR body too large" }, 413);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new BadRequest("ERR the body is not JSON");
      }
      if (path === "/") {
        const outcome = entry((await Promise.allSettled([run(parseCommand(body))]))[0]!, base64);
        return answer(outcome, outcome.error === undefined ? 200 : 400);
      }
      const commands = parseCommands(body);
      if (path === "/pipeline") {
        // Issued in order on one connection: Redis runs them in order, others may interleave.
        const outcomes = await Promise.allSettled(commands.map(run));
        return answer(outcomes.map((o) => entry(o, base64)));
      }
      const transaction = redis.multi();
      for (const [name, ...args] of commands) transaction.callBuffer(name, ...args);
      const results = await transaction.exec();
      if (!results) return answer({ error: "EXECABORT the transaction was discarded" }, 400);
      return answer(
        results.map(([error, value]) =>
          error ? { error: error.message } : { result: encode(value as Reply, base64) }
        ),
      );
    } catch (error) {
      if (error instanceof BadRequest || error instanceof ReplyError) {
        return answer({ error: (error as Error).message }, 400);
      }
      // Redis is away (refused, closed, timed out): the client may retry.
      return answer({ error: error instanceof Error ? error.message : String(error) }, 503, {
        "retry-after": "1",
      });
    }
  };
}
