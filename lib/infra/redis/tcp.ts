import { Cluster, Redis } from "ioredis";
import {
  isNoScript,
  type RedisClient,
  type Reply,
  type Script,
  type StreamEntry,
} from "./client.ts";

/**
 * The TCP adapter (ioredis). Commands fail fast while disconnected instead of queueing, so a
 * purchase never waits on a dead Redis longer than its own deadline.
 */
const options = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  connectTimeout: 2000,
  retryStrategy: (times: number) => Math.min(50 * times, 1000),
};

export async function connectTcp(url: string): Promise<RedisClient> {
  return await adapt(
    new Redis(url, { ...options, lazyConnect: true }),
    // A subscribed connection can do nothing else, so it is a second one; it re-subscribes by
    // itself after a reconnect.
    () => new Redis(url, { ...options, enableOfflineQueue: true, commandTimeout: undefined }),
  );
}

/**
 * The same adapter over a Redis Cluster (`host:port,…` seed nodes). Every key of a sale shares the
 * hash tag `{saleId}`, so each script runs on one shard; PUBLISH reaches subscribers on any node.
 */
export async function connectCluster(nodes: string): Promise<RedisClient> {
  const seeds = nodes.split(",").map((hostPort) => {
    const at = hostPort.lastIndexOf(":");
    return { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) };
  });
  const cluster = (offlineQueue: boolean) =>
    new Cluster(seeds, {
      lazyConnect: true,
      enableOfflineQueue: offlineQueue,
      clusterRetryStrategy: options.retryStrategy,
      redisOptions: {
        maxRetriesPerRequest: options.maxRetriesPerRequest,
        connectTimeout: options.connectTimeout,
        commandTimeout: offlineQueue ? undefined : options.commandTimeout,
      },
    });
  return await adapt(cluster(false), () => cluster(true));
}

async function adapt(
  redis: Redis | Cluster,
  connectSubscriber: () => Redis | Cluster,
): Promise<RedisClient> {
  redis.on("error", () => {/* reported through the failing commands and /health */});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  let subscriber: Redis | Cluster | undefined;
  const handlers = new Map<string, Set<(message: string) => void>>();

  return {
    async evalScript(script: Script, keys: string[], args: (string | number)[]): Promise<Reply> {
      try {
        return await redis.evalsha(script.sha, keys.length, ...keys, ...args) as Reply;
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return await redis.eval(script.source, keys.length, ...keys, ...args) as Reply;
      }
    },
    get: (key) => redis.get(key),
    del: (...keys) => redis.del(...keys),
    hgetall: (key) => redis.hgetall(key),
    hlen: (key) => redis.hlen(key),
    async xrange(key, start, end, count): Promise<StreamEntry[]> {
      const rows = await redis.xrange(key, start, end, "COUNT", count);
      return rows.map(([id, flat]) => {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
        return { id, fields };
      });
    },
    xdel: (key, ids) => ids.length === 0 ? Promise.resolve(0) : redis.xdel(key, ...ids),
    xlen: (key) => redis.xlen(key),
    async publish(channel, message) {
      await redis.publish(channel, message);
    },
    async subscribe(channel, onMessage) {
      if (!subscriber) {
        subscriber = connectSubscriber();
        subscriber.on("error", () => {});
        subscriber.on("message", (ch: string, message: string) => {
          for (const handler of handlers.get(ch) ?? []) handler(message);
        });
      }
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await subscriber.subscribe(channel);
      }
      set.add(onMessage);
      return async () => {
        set.delete(onMessage);
        if (set.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          await subscriber?.unsubscribe(channel);
        }
      };
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await Promise.allSettled([redis.quit(), subscriber?.quit()]);
      redis.disconnect();
      subscriber?.disconnect();
    },
  };
}
