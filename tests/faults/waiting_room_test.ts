import { Redis } from "ioredis";
import { lineKeys } from "../../lib/gate/keys.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import {
  admin,
  type Answer,
  type Attempt,
  attemptOf,
  call,
  createSale,
} from "../helpers/client.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { buyWith, joinLine, readTicket, solve, waitPast } from "../helpers/line.ts";
import { RedisServer, serverFixture, ServerProcess } from "../helpers/processes.ts";

/**
 * A waiting-room sale that started a minute ago, so those who join queue in arrival order: no
 * proof to find, and exactly one admission per item left.
 */
function createQueuedSale(base: string, totalStock: number, admissionTtlSeconds: number) {
  return createSale(base, {
    totalStock,
    waitingRoom: { powBits: 0, admissionTtlSeconds, overbook: 1, prequeueMinutes: 0 },
  });
}

/** A purchase with an admission, as an attempt for the invariant checks. */
async function buy(
  base: string,
  saleId: number,
  userId: string,
  admission: string,
): Promise<Attempt> {
  return attemptOf(userId, await buyWith(base, saleId, userId, admission));
}

/**
 * The server process whose admitter holds the sale's lease: the lease's token names the host and
 * the pid of the process (lib/line/admitter.ts).
 */
async function leaseHolder(
  redis: Redis,
  prefix: string,
  saleId: number,
  servers: ServerProcess[],
): Promise<ServerProcess> {
  const token = await redis.get(lineKeys(prefix, saleId).lease);
  const pid = Number(token?.split("/")[1]);
  const holder = servers.find((s) => s.pids().includes(pid));
  if (!holder) throw new Error(`none of the servers holds the lease (${token})`);
  return holder;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A shopper in the line: who, their ticket, and the place the line gave them. */
interface Place {
  userId: string;
  ticket: string;
  number: number;
}

/** `count` shoppers join one after another, through the given servers in turn. */
async function joinInOrder(
  bases: string[],
  saleId: number,
  name: string,
  count: number,
): Promise<Place[]> {
  const places: Place[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `${name}-${i}`;
    const r = await joinLine(bases[i % bases.length]!, saleId, userId);
    assertEquals(r.status, 201, JSON.stringify(r.body));
    places.push({ userId, ticket: r.body.ticket, number: r.body.number });
  }
  return places;
}

/**
 * Reads every ticket of the line, round after round, and checks that the line is served in its
 * order: whatever has left `waiting` for an admission is ahead of everything still waiting. Each
 * round reads the tickets from the last place to the first, so a ticket read as waiting was still
 * waiting when every later ticket was read: states only move forward.
 */
class LineWatch {
  /** The round in which each place (by number) was first seen admitted, used or expired. */
  readonly served = new Map<number, number>();
  readonly states = new Map<number, string>();
  readonly admissions = new Map<number, string>();
  private round = 0;

  constructor(private readonly saleId: number, private readonly places: Place[]) {}

  async read(base: string): Promise<void> {
    this.round++;
    for (const p of [...this.places].sort((a, b) => b.number - a.number)) {
      const r = await readTicket(base, this.saleId, p.ticket);
      assertEquals(r.status, 200, JSON.stringify(r.body));
      const state: string = r.body.state;
      this.states.set(p.number, state);
      if (state === "admitted") this.admissions.set(p.number, r.body.admission);
      if (["admitted", "used", "expired"].includes(state) && !this.served.has(p.number)) {
        this.served.set(p.number, this.round);
      }
    }
    const waiting = this.places.filter((p) => this.states.get(p.number) === "waiting");
    const firstWaiting = Math.min(...waiting.map((p) => p.number));
    for (const n of this.served.keys()) {
      assert(n < firstWaiting, `#${n} was admitted while #${firstWaiting} still waited`);
    }
  }

  /** The places taken from the line, in the order they were first seen taken. */
  order(): number[] {
    return [...this.served].sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([n]) => n);
  }

  /** Reads rounds, each followed by `step`, until `step` says done, or fails after `ms`. */
  async until(
    base: () => string,
    step: () => Promise<boolean>,
    ms: number,
    why: string,
  ): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      await this.read(base());
      if (await step()) return;
      assert(Date.now() < deadline, `${why}: states ${JSON.stringify([...this.states])}`);
      await sleep(200);
    }
  }
}

Deno.test("waiting room: kill -9 of the process holding the admitter lease; the other admits on, in the line's order", async () => {
  const redis = await RedisServer.start();
  const f = await serverFixture({ REDIS_URL: redis.url, QUEUE_JOINS_PER_IP: "0" });
  const servers = [new ServerProcess(f.env), new ServerProcess(f.env)];
  const direct = new Redis(redis.url);
  const attempts: Attempt[] = [];
  try {
    await Promise.all(servers.map((s) => s.start()));
    // 4 items, 12 shoppers. #1, #2, #5 and #7 buy once admitted; #3, #4 and #6 never come back,
    // so their admissions expire (10 s) and free their slots for the next in line.
    const stock = 4;
    const saleId = await createQueuedSale(servers[0]!.url, stock, 10);
    const places = await joinInOrder(servers.map((s) => s.url), saleId, "lease", 12);
    assertEquals(places.map((p) => p.number), Array.from({ length: 12 }, (_, i) => i + 1));
    const buyers = new Set([1, 2, 5, 7]);
    const bought = new Set<number>();
    const watch = new LineWatch(saleId, places);
    let live = servers;
    const buyAdmitted = async (allowed: Set<number>) => {
      for (const [n, admission] of watch.admissions) {
        if (!allowed.has(n) || bought.has(n)) continue;
        const a = await buy(live[0]!.url, saleId, places[n - 1]!.userId, admission);
        assertEquals(a.result, "SUCCESS", JSON.stringify(a));
        attempts.push(a);
        bought.add(n);
      }
    };

    // The first four are admitted; #1 buys.
    await watch.until(
      () => live[0]!.url,
      () => Promise.resolve(watch.served.size >= 4),
      15_000,
      "first admissions",
    );
    await buyAdmitted(new Set([1]));
    assertEquals(watch.order(), [1, 2, 3, 4]);

    // The process holding the admitter lease hands #2 its admission, and dies.
    const holder = await leaseHolder(direct, f.prefix, saleId, servers);
    const second = await readTicket(holder.url, saleId, places[1]!.ticket);
    assertEquals(second.body.state, "admitted");
    watch.admissions.set(2, second.body.admission);
    console.log(`[waiting-room lease] kill -9 of ${holder.pids().join("+")}, the lease holder`);
    await holder.signal("SIGKILL");
    live = servers.filter((s) => s !== holder);

    // #2 buys with that admission through the other process, which takes the lease over: #3 and
    // #4 expire, #5 and #6 are admitted, #6 expires, #7 is admitted.
    await watch.until(
      () => live[0]!.url,
      async () => {
        await buyAdmitted(buyers);
        return bought.size === 4 && places.every((p) => watch.states.get(p.number) !== "waiting");
      },
      60_000,
      "admissions after the kill",
    );
    assertEquals(watch.order(), [1, 2, 3, 4, 5, 6, 7]);
    assertEquals(
      places.map((p) => watch.states.get(p.number)),
      [
        ...["used", "used", "expired", "expired", "used", "expired", "used"],
        ...Array(5).fill("sold_out"),
      ],
    );
    assert(
      (await leaseHolder(direct, f.prefix, saleId, live)) === live[0],
      "the survivor holds the lease",
    );

    // Nothing oversold: PostgreSQL holds the four orders, one per shopper.
    const state = await waitUntilQuiet(f.sql, redis.url, f.prefix, saleId);
    assertEquals([state.orders, state.sold], [stock, stock]);
    assertEquals(await breaches(f.sql, state, saleId, attempts), NO_BREACHES);
  } finally {
    direct.disconnect();
    await f.close(servers);
    await redis.stop();
  }
});

/**
 * Asks again while the sale is being rebuilt (503), as a shopper's page would, and prints every
 * answer it got on the way.
 */
async function pastRebuild(what: string, ask: () => Promise<Answer>): Promise<Answer> {
  const seen: string[] = [];
  for (let i = 0; i < 100; i++) {
    const r = await ask();
    seen.push(`${r.status} ${r.body?.error?.code ?? r.body?.result ?? r.body?.state ?? ""}`);
    if (r.status !== 503) {
      console.log(`[waiting-room redis loss] ${what}: ${seen.join(" -> ")}`);
      return r;
    }
    await sleep(100);
  }
  throw new Error(`${what}: still rebuilding after 10 s (${seen.join(", ")})`);
}

Deno.test("waiting room: Redis restarted without its data; the line is lost, shoppers join again, nothing oversells", async () => {
  const redis = await RedisServer.start();
  const app = await startTestApp({ REDIS_URL: redis.url, QUEUE_JOINS_PER_IP: "0" });
  const attempts: Attempt[] = [];
  try {
    const stock = 3;
    const saleId = await createQueuedSale(app.url, stock, 120);
    const places = await joinInOrder([app.url], saleId, "lost", 6);
    const watch = new LineWatch(saleId, places);
    await watch.until(
      () => app.url,
      () => Promise.resolve(watch.admissions.size === stock),
      15_000,
      "admissions",
    );
    const first = await buy(app.url, saleId, places[0]!.userId, watch.admissions.get(1)!);
    assertEquals(first.result, "SUCCESS");
    attempts.push(first);

    await redis.kill();
    await redis.restart();

    // What shoppers see: their ticket is gone, an admission of the lost line buys nothing.
    const lostTicket = await pastRebuild(
      "a ticket of the lost line",
      () => readTicket(app.url, saleId, places[1]!.ticket),
    );
    assertEquals([lostTicket.status, lostTicket.body.error?.code], [404, "TICKET_NOT_FOUND"]);
    const oldAdmission = await pastRebuild(
      "a purchase with an admission of the lost line",
      () => buyWith(app.url, saleId, places[1]!.userId, watch.admissions.get(2)),
    );
    assertEquals([oldAdmission.status, oldAdmission.body.error?.code], [403, "ADMISSION_INVALID"]);
    attempts.push({
      userId: places[1]!.userId,
      status: oldAdmission.status,
      result: oldAdmission.body.error.code,
      orderId: null,
    });

    // They join again, as new (201), and the line serves them in their new order: the two items
    // left go to the first two of them, the others learn it is sold out.
    const again: Place[] = [];
    for (const p of places.slice(1)) {
      const r = await pastRebuild(
        `${p.userId} joins again`,
        () => joinLine(app.url, saleId, p.userId),
      );
      assertEquals(r.status, 201, JSON.stringify(r.body));
      again.push({ userId: p.userId, ticket: r.body.ticket, number: r.body.number });
    }
    assertEquals(again.map((p) => p.number), [1, 2, 3, 4, 5]);
    const rewatch = new LineWatch(saleId, again);
    await rewatch.until(
      () => app.url,
      async () => {
        for (const [n, admission] of rewatch.admissions) {
          if (attempts.some((a) => a.userId === again[n - 1]!.userId && a.result === "SUCCESS")) {
            continue;
          }
          const a = await buy(app.url, saleId, again[n - 1]!.userId, admission);
          assertEquals(a.result, "SUCCESS", JSON.stringify(a));
          attempts.push(a);
        }
        return again.every((p) => ["used", "sold_out"].includes(rewatch.states.get(p.number)!));
      },
      15_000,
      "the new line",
    );
    assertEquals(rewatch.order(), [1, 2]);

    // Nothing oversold, one order per shopper (I1, I2), every acknowledged order in PostgreSQL.
    const state = await waitUntilQuiet(app.sql, redis.url, app.prefix, saleId);
    assertEquals([state.orders, state.sold], [stock, stock]);
    assertEquals(
      await breaches(app.sql, state, saleId, attempts, { redisLostData: true }),
      NO_BREACHES,
    );
  } finally {
    await app.close();
    await redis.stop();
  }
});

Deno.test("waiting room: Redis loses its data and one process restarts; both processes sign and check alike", async () => {
  const redis = await RedisServer.start();
  const f = await serverFixture({ REDIS_URL: redis.url, QUEUE_JOINS_PER_IP: "0" });
  const servers = [new ServerProcess(f.env), new ServerProcess(f.env)];
  const [first, second] = servers as [ServerProcess, ServerProcess];
  const direct = new Redis(redis.url);
  const attempts: Attempt[] = [];
  try {
    await Promise.all(servers.map((s) => s.start()));
    const stock = 4;
    const saleId = await createQueuedSale(first.url, stock, 120);

    // Redis loses everything, and one of the two processes restarts: it boots against an empty
    // Redis, while the other has run all along.
    await direct.flushall();
    await first.stop();
    await first.start();

    // Each shopper's challenge comes from one process; the proof is accepted by the other (201)
    // and by the one that made it (200, the same ticket).
    const places: {
      userId: string;
      ticket: string;
      issuer: ServerProcess;
      other: ServerProcess;
    }[] = [];
    for (let i = 0; i < stock; i++) {
      const [issuer, other] = i % 2 === 0 ? [first, second] : [second, first];
      const userId = `secret-${i}`;
      const path = `/api/sales/${saleId}/queue`;
      const c = await pastRebuild(
        `${userId}'s challenge`,
        () => call(issuer.url, "POST", `${path}/challenge`, { userId }),
      );
      assertEquals(c.status, 200, JSON.stringify(c.body));
      const proof = {
        userId,
        challenge: c.body.challenge,
        nonce: solve(c.body.challenge, c.body.bits),
      };
      const there = await pastRebuild(
        `${userId} joins`,
        () => call(other.url, "POST", path, proof),
      );
      assertEquals(there.status, 201, `the other process: ${JSON.stringify(there.body)}`);
      const here = await call(issuer.url, "POST", path, proof);
      assertEquals(
        [here.status, here.body.ticket],
        [200, there.body.ticket],
        JSON.stringify(here.body),
      );
      places.push({ userId, ticket: there.body.ticket, issuer, other });
    }

    // An admission handed out by one process buys through the other.
    for (const p of places) {
      const t = await waitPast(p.issuer.url, saleId, p.ticket);
      assertEquals(t.body.state, "admitted", JSON.stringify(t.body));
      const a = await buy(p.other.url, saleId, p.userId, t.body.admission);
      assertEquals(a.result, "SUCCESS", JSON.stringify(a));
      attempts.push(a);
    }

    const state = await waitUntilQuiet(f.sql, redis.url, f.prefix, saleId);
    assertEquals([state.orders, state.sold], [stock, stock]);
    assertEquals(await breaches(f.sql, state, saleId, attempts), NO_BREACHES);
  } finally {
    direct.disconnect();
    await f.close(servers);
    await redis.stop();
  }
});

/** A waiting-room sale that starts at `start`, its pre-queue open since five minutes before. */
function createPrequeuedSale(
  base: string,
  totalStock: number,
  start: number,
  admissionTtlSeconds: number,
) {
  return createSale(base, {
    totalStock,
    startTime: new Date(start).toISOString(),
    waitingRoom: { powBits: 0, admissionTtlSeconds, overbook: 1, prequeueMinutes: 5 },
  });
}

/**
 * Reads every ticket, buying with each admission as it comes (a shopper who bought before hears
 * ALREADY_PURCHASED), until every ticket is done: used, sold out or expired. The purchases, for
 * the invariant checks.
 */
async function buyThrough(
  base: string,
  saleId: number,
  places: { userId: string; ticket: string }[],
  ms: number,
): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  const states = new Map<string, string>();
  const deadline = Date.now() + ms;
  for (;;) {
    for (const p of places) {
      const t = await readTicket(base, saleId, p.ticket);
      assertEquals(t.status, 200, JSON.stringify(t.body));
      states.set(p.userId, t.body.state);
      if (t.body.state === "admitted" && !attempts.some((a) => a.userId === p.userId)) {
        attempts.push(await buy(base, saleId, p.userId, t.body.admission));
      }
    }
    if ([...states.values()].every((s) => ["used", "sold_out", "expired"].includes(s))) {
      return attempts;
    }
    assert(Date.now() < deadline, `the line is not done: ${JSON.stringify([...states])}`);
    await sleep(200);
  }
}

async function orderUsers(app: TestApp, saleId: number): Promise<string[]> {
  const rows = await app.sql<{ user_id: string }[]>`
    SELECT user_id FROM orders WHERE sale_id = ${saleId} ORDER BY user_id`;
  return rows.map((r) => r.user_id);
}

Deno.test("waiting room: Redis flushed under a pre-queue; the line forms again at once and sells at the start", async () => {
  const redis = await RedisServer.start();
  const app = await startTestApp({ REDIS_URL: redis.url, QUEUE_JOINS_PER_IP: "0" });
  const direct = new Redis(redis.url);
  try {
    const start = Date.now() + 8000;
    const saleId = await createPrequeuedSale(app.url, 2, start, 120);
    const first = await joinLine(app.url, saleId, "pre-0");
    assertEquals([first.status, first.body.number], [201, null], JSON.stringify(first.body));

    await direct.flushall();

    // Nobody can buy before the start, so only the line itself can notice the loss.
    const places: { userId: string; ticket: string }[] = [];
    for (const userId of ["pre-0", "pre-1", "pre-2"]) {
      const r = await pastRebuild(
        `${userId} joins after the flush`,
        () => joinLine(app.url, saleId, userId),
      );
      assertEquals([r.status, r.body.state, r.body.number], [201, "waiting", null]);
      places.push({ userId, ticket: r.body.ticket });
    }
    assert(Date.now() < start, "the three joined the pre-queue");

    // At the start the three are drawn; the two items go to the first two of the draw.
    const attempts = await buyThrough(app.url, saleId, places, 30_000);
    assertEquals(attempts.map((a) => a.result), ["SUCCESS", "SUCCESS"]);
    const state = await waitUntilQuiet(app.sql, redis.url, app.prefix, saleId);
    assertEquals([state.orders, state.sold], [2, 2]);
    assertEquals(
      await breaches(app.sql, state, saleId, attempts, { redisLostData: true }),
      NO_BREACHES,
    );
  } finally {
    direct.disconnect();
    await app.close();
    await redis.stop();
  }
});

Deno.test("waiting room: Redis flushed mid-sale with no purchase to notice it; a join rebuilds the sale and it sells on", async () => {
  const redis = await RedisServer.start();
  const env = { REDIS_URL: redis.url, QUEUE_JOINS_PER_IP: "0" };
  const app = await startTestApp(env);
  let other: TestApp | undefined;
  const direct = new Redis(redis.url);
  try {
    const saleId = await createQueuedSale(app.url, 3, 120);
    const [early] = await joinInOrder([app.url], saleId, "flushed", 1);
    const admitted = await waitPast(app.url, saleId, early!.ticket);
    assertEquals(admitted.body.state, "admitted", JSON.stringify(admitted.body));
    const attempts = [await buy(app.url, saleId, early!.userId, admitted.body.admission)];
    assertEquals(attempts[0]!.result, "SUCCESS");

    // This process's admitter stops: only the joins themselves can notice the loss.
    app.platform.admitter.stop();
    await direct.flushall();

    const places: Place[] = [];
    for (let i = 1; i <= 3; i++) {
      const userId = `flushed-${i}`;
      const r = await pastRebuild(
        `${userId} joins after the flush`,
        () => joinLine(app.url, saleId, userId),
      );
      assertEquals([r.status, r.body.number], [201, i], JSON.stringify(r.body));
      places.push({ userId, ticket: r.body.ticket, number: r.body.number });
    }

    // Another process admits the new line: two items are left (rebuilt from PostgreSQL) for three.
    other = await startTestApp({ ...env, REDIS_KEY_PREFIX: app.prefix }, app.db);
    attempts.push(...await buyThrough(other.url, saleId, places, 30_000));
    assertEquals(await orderUsers(app, saleId), ["flushed-0", "flushed-1", "flushed-2"]);
    const state = await waitUntilQuiet(app.sql, redis.url, app.prefix, saleId);
    assertEquals([state.orders, state.sold], [3, 3]);
    assertEquals(
      await breaches(app.sql, state, saleId, attempts, { redisLostData: true }),
      NO_BREACHES,
    );
  } finally {
    direct.disconnect();
    await other?.stopServer();
    await app.close();
    await redis.stop();
  }
});

Deno.test("waiting room: Redis restarted from a stale snapshot; nothing is admitted against its stale stock", async () => {
  const redis = await RedisServer.start(["--save", "", "--appendonly", "no"]);
  const app = await startTestApp({ REDIS_URL: redis.url, QUEUE_JOINS_PER_IP: "0" });
  const direct = new Redis(redis.url);
  try {
    // 4 items, 8 shoppers in the pre-queue, and a snapshot of it all before the start.
    const stock = 4;
    const start = Date.now() + 5000;
    const saleId = await createPrequeuedSale(app.url, stock, start, 10);
    const places: { userId: string; ticket: string }[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await joinLine(app.url, saleId, `stale-${i}`);
      assertEquals(r.status, 201, JSON.stringify(r.body));
      places.push({ userId: `stale-${i}`, ticket: r.body.ticket });
    }
    const stale = `${redis.dir}/stale.rdb`;
    await direct.save();
    await Deno.copyFile(`${redis.dir}/dump.rdb`, stale);

    // The sale starts: four are admitted, three of them buy, so one item is left.
    const admissions = new Map<string, string>();
    const deadline = Date.now() + 30_000;
    while (admissions.size < stock) {
      assert(Date.now() < deadline, `admissions: ${JSON.stringify([...admissions.keys()])}`);
      await sleep(200);
      for (const p of places) {
        const t = await readTicket(app.url, saleId, p.ticket);
        if (t.body.state === "admitted") admissions.set(p.userId, t.body.admission);
      }
    }
    const attempts: Attempt[] = [];
    for (const [userId, admission] of [...admissions].slice(0, 3)) {
      attempts.push(await buy(app.url, saleId, userId, admission));
    }
    assertEquals(attempts.map((a) => a.result), ["SUCCESS", "SUCCESS", "SUCCESS"]);

    // Redis comes back from the snapshot: the pre-queue undrawn, 4 items, none sold.
    direct.disconnect();
    await redis.kill();
    await Deno.copyFile(stale, `${redis.dir}/dump.rdb`);
    await redis.restart();

    // With nobody buying or joining, the line alone must not trust that state: the first
    // admissions after the restart count the one item PostgreSQL says is left.
    let served = 0;
    const until = Date.now() + 15_000;
    while (served === 0) {
      assert(Date.now() < until, "nothing was admitted after the restart");
      await sleep(100);
      const s = await call(app.url, "GET", `/api/admin/sales/${saleId}/stats`, undefined, admin);
      if (s.status === 200 && s.body.queue.drawn) served = s.body.queue.served;
    }
    assertEquals(served, 1, `${served} admitted against the 1 item left`);

    // The line sells the last item; the shoppers who bought before hear of their orders.
    attempts.push(...await buyThrough(app.url, saleId, places, 60_000));
    const state = await waitUntilQuiet(app.sql, redis.url, app.prefix, saleId);
    assertEquals([state.orders, state.sold], [stock, stock]);
    assertEquals(
      await breaches(app.sql, state, saleId, attempts, { redisLostData: true }),
      NO_BREACHES,
    );
  } finally {
    direct.disconnect();
    await app.close();
    await redis.stop();
  }
});
