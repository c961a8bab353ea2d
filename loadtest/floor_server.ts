/**
 * The purchase floor of `deno task bench`: a purchase with none of the app's code around it, served
 * as the bench serves hello world (`deno serve --parallel`). Each request's body is read and
 * parsed; the attempts read in one event-loop turn go to Redis in one call (loadtest/floor.lua)
 * and their reservations to PostgreSQL in one batch, through the app's own statement
 * (lib/orders/orders.sql insertBatch, into the app's tables); each gets its order as JSON. No
 * routing, validation, identity, lanes, deadline, metrics, outbox trims or events. What the rush
 * costs beyond this is the app's; what this costs is the stack's (Deno, ioredis, postgres.js,
 * Redis and PostgreSQL on this machine).
 *
 * Environment: DATABASE_URL (migrated by the app), REDIS_URL (default the local one), FLOOR_PREFIX
 * (its Redis keys), FLOOR_SALE (a sale of that database that has started: its id).
 */
import { Redis } from "ioredis";
import postgres from "postgres";
import { uuidv7 } from "uuidv7";
import { loadQueries } from "../lib/infra/sql.ts";

function env(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const saleId = Number(env("FLOOR_SALE"));
const prefix = env("FLOOR_PREFIX");
const keys = [`${prefix}:stock`, `${prefix}:buyers`, `${prefix}:outbox`];
const redis = new Redis(Deno.env.get("REDIS_URL") || "redis://127.0.0.1:6379");
const sql = postgres(env("DATABASE_URL"), { max: 4, onnotice: () => {} });
const { insertBatch } = await loadQueries(new URL("../lib/orders/orders.sql", import.meta.url), [
  "insertBatch",
]);
const sha = await redis.script(
  "LOAD",
  await Deno.readTextFile(new URL("./floor.lua", import.meta.url)),
) as string;
await redis.set(keys[0]!, 10_000_000, "NX");

interface Attempt {
  userId: string;
  orderId: string;
  answer: (res: Response) => void;
}
let turn: Attempt[] = [];

async function decide(batch: Attempt[]): Promise<void> {
  const codes = await redis.evalsha(
    sha,
    keys.length,
    ...keys,
    ...batch.flatMap((a) => [a.userId, a.orderId]),
  ) as number[];
  const reserved = batch.filter((_, i) => codes[i] === 1);
  const createdAt = new Date().toISOString();
  if (reserved.length > 0) {
    await sql.unsafe(insertBatch, [
      reserved.map((a) => a.orderId),
      reserved.map(() => saleId),
      reserved.map((a) => a.userId),
      reserved.map(() => 1),
      reserved.map(() => createdAt),
    ], { prepare: true });
  }
  batch.forEach((a, i) => {
    const order = { id: a.orderId, saleId, userId: a.userId, quantity: 1, createdAt };
    a.answer(
      codes[i] === 1 ? Response.json({ status: "confirmed", order }) : Response.json({}, {
        status: 409,
      }),
    );
  });
}

function send(): void {
  const batch = turn;
  turn = [];
  decide(batch).catch((error) => {
    for (const a of batch) a.answer(new Response(String(error), { status: 503 }));
  });
}

export default {
  async fetch(req) {
    if (req.method !== "POST") return new Response("the purchase floor"); // the bench's probe
    const { userId } = JSON.parse(await req.text());
    if (turn.length === 0) setImmediate(send);
    return await new Promise<Response>((answer) =>
      turn.push({ userId, orderId: uuidv7(), answer })
    );
  },
} satisfies Deno.ServeDefaultExport;
