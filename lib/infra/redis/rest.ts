import { errors, Redis } from "@upstash/redis";
import {
  isNoScript,
  type RedisClient,
  RedisUnavailableError,
  type Reply,
  type Script,
  type StreamEntry,
} from "./client.ts";

export interface RestOptions {
  url: string;
  token: string;
  /** How often a subscriber polls the change feed (REST has no SUBSCRIBE). */
  pollMs: number;
}

/** A command's reply as the REST endpoint sends it, base64 already decoded by the client. */
type Raw = null | number | string | Raw[];

/** Entries kept in a channel's change feed: enough for any poller that is not minutes behind. */
const FEED_LENGTH = 1000;
/** Like the TCP adapter's commandTimeout: a purchase never waits on a dead endpoint for long. */
const REQUEST_TIMEOUT_MS = 2000;

/**
 * The REST adapter: every command is one HTTPS request to an endpoint that speaks the Upstash REST
 * protocol (Upstash itself, or `deno task rest-bridge` in front of any Redis).
 *
 * Values stay strings (no JSON deserialisation) and travel base64-encoded, so any UTF-8 text,
 * control characters included, round-trips. The client does not retry: a request that may have
 * run (a purchase script) must not run twice behind the caller's back, so a failure surfaces as
 * `RedisUnavailableError` and the API answers 503 with Retry-After.
 *
 * REST has no SUBSCRIBE. `publish` appends the message to a capped stream, `<channel>:feed`, and
 * `subscribe` polls that stream every `pollMs` from the last entry it saw.
 */
export async function connectRest(options: RestOptions): Promise<RedisClient> {
  const redis = new Redis({
    url: options.url,
    token: options.token,
    automaticDeserialization: false,
    responseEncoding: "base64",
    // Measured on this machine: one request per command beats the client's batching (README).
    enableAutoPipelining: false,
    enableTelemetry: false,
    retry: { retries: 0 },
    // A function, so each request gets its own deadline; the client rethrows its abort.
    signal: () => AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const where = new URL(options.url).host;

  /** Runs one request; Redis error replies keep their text, transport failures become 503s. */
  async function run<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (
        error instanceof errors.UpstashError && !(error instanceof errors.UpstashJSONParseError)
      ) {
        // The client appends the whole command (shopper ids, script source) to the reply's text.
        throw new Error(message.replace(/, command was: [\s\S]*$/, ""));
      }
      // fetch's own text is "fetch failed"; the reason (refused, reset, timed out) is its cause.
      let root = error;
      while (root instanceof Error && root.cause instanceof Error) root = root.cause;
      const reason = root instanceof Error ? root.message : message;
      throw new RedisUnavailableError(`Redis REST endpoint ${where} did not answer: ${reason}`, {
        cause: error,
      });
    }
  }
  const command = <T extends Raw>(args: [string, ...(string | number)[]]) =>
    run(() => redis.exec<T>(args));

  await command(["PING"]);

  const pollers = new Map<string, Poller>();

  return {
    async evalScript(script: Script, keys: string[], args: (string | number)[]): Promise<Reply> {
      try {
        return await run(() => redis.evalsha<(string | number)[], Reply>(script.sha, keys, args));
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return await run(() => redis.eval<(string | number)[], Reply>(script.source, keys, args));
      }
    },
    get: (key) => command<string | null>(["GET", key]),
    del: (...keys) => command<number>(["DEL", ...keys]),
    async hgetall(key) {
      const flat = await command<string[]>(["HGETALL", key]);
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return fields;
    },
    hlen: (key) => command<number>(["HLEN", key]),
    async xrange(key, start, end, count): Promise<StreamEntry[]> {
      const rows = await command<[string, string[]][]>(["XRANGE", key, start, end, "COUNT", count]);
      return rows.map(([id, flat]) => {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
        return { id, fields };
      });
    },
    xdel: (key, ids) =>
      ids.length === 0 ? Promise.resolve(0) : command<number>(["XDEL", key, ...ids]),
    xlen: (key) => command<number>(["XLEN", key]),
    async publish(channel, message) {
      await command(["XADD", feedKey(channel), "MAXLEN", "~", FEED_LENGTH, "*", "m", message]);
    },
    async subscribe(channel, onMessage) {
      let poller = pollers.get(channel);
      if (!poller) {
        const [last] = await command<[string, string[]][]>(
          ["XREVRANGE", feedKey(channel), "+", "-", "COUNT", 1],
        );
        poller = new Poller(channel, last?.[0] ?? "0-0", options.pollMs, command);
        pollers.set(channel, poller);
      }
      const active = poller;
      active.handlers.add(onMessage);
      return () => {
        active.handlers.delete(onMessage);
        if (active.handlers.size === 0 && pollers.get(channel) === active) {
          pollers.delete(channel);
          active.stop();
        }
        return Promise.resolve();
      };
    },
    async ping() {
      await command(["PING"]);
    },
    close() {
      for (const poller of pollers.values()) poller.stop();
      pollers.clear();
      return Promise.resolve();
    },
  };
}

function feedKey(channel: string): string {
  return `${channel}:feed`;
}

/** Reads a channel's feed after the last entry seen, one request at a time, until stopped. */
class Poller {
  readonly handlers = new Set<(message: string) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly channel: string,
    private lastId: string,
    private readonly pollMs: number,
    private readonly command: <T extends Raw>(args: [string, ...(string | number)[]]) => Promise<T>,
  ) {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => this.poll(), this.pollMs);
  }

  private async poll(): Promise<void> {
    try {
      const rows = await this.command<[string, string[]][]>(
        ["XRANGE", feedKey(this.channel), `(${this.lastId}`, "+", "COUNT", FEED_LENGTH],
      );
      for (const [id, flat] of rows) {
        this.lastId = id;
        const message = flat[1] ?? "";
        for (const handler of this.handlers) handler(message);
      }
    } catch {
      // Endpoint away: the next poll catches up, and the cache's periodic refresh covers the rest.
    }
    this.schedule();
  }
}
