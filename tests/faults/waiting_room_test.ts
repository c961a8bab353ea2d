import { Redis } from "ioredis";
import { lineKeys } from "../../lib/gate/keys.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { type Answer, type Attempt, attemptOf, call, createSale } from "../helpers/client.ts";
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
