/**
 * The `queue` scenario: a sale with a waiting room (DESIGN §8, docs/waiting-room.md) under a crowd
 * that arrives over a span, part of it in the pre-queue before the start and the rest after, each
 * shopper solving the proof, joining, waiting for its turn and buying with its admission; a bot
 * farm of many identities behind one address doing the same; and scripted clients that skip the
 * line and hammer the purchase. It measures whether the line was fair: the rank correlation
 * between arrival and admission order, the waits, and what the bots and the skippers won.
 */
import { type Answer, isError, outcomeOf, send, sleep, StreamReader } from "./driver.ts";
import { rankTau } from "./kendall.ts";
import { solve } from "./pow.ts";
import {
  type End,
  figures,
  type LineSample,
  party,
  queueChecks,
  type QueueReport,
  type Visit,
} from "./queue_figures.ts";
import type { Scenario } from "./scenarios.ts";
import { Recorder } from "./stats.ts";

interface Ticket {
  ticket: string;
  state: string;
  number: number | null;
  retryAfterMs: number;
  admission: string | null;
  admittedSeq: number | null;
}

function ticketOf(body: Record<string, unknown> | null): Ticket | null {
  if (typeof body?.ticket !== "string" || typeof body.state !== "string") return null;
  return {
    ticket: body.ticket,
    state: body.state,
    number: typeof body.number === "number" ? body.number : null,
    retryAfterMs: typeof body.retryAfterMs === "number" ? body.retryAfterMs : 1000,
    admission: typeof body.admission === "string" ? body.admission : null,
    admittedSeq: typeof body.admittedSeq === "number" ? body.admittedSeq : null,
  };
}

/** The line as the sale's event stream tells it (`line: {served, waiting, drawn}`). */
class LineWatch {
  served = 0;
  drawn = false;
  soldOut = false;
  private readonly waiters = new Set<() => void>();
  private readonly reader: StreamReader;

  constructor(url: string) {
    this.reader = new StreamReader(url, (update) => this.update(update));
  }

  private update(u: Record<string, unknown>): void {
    const line = u.line as { served?: unknown; drawn?: unknown } | undefined;
    if (typeof line?.served === "number") this.served = line.served;
    if (line?.drawn !== undefined) this.drawn = Boolean(line.drawn);
    if (u.remainingStock === 0) this.soldOut = true;
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves once `ready()` holds (checked now and on each update), or after `ms`. */
  until(ready: () => boolean, ms: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (ready()) done();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(check);
    });
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/** Honest shoppers get addresses of their own (RFC 2544's benchmarking range), bots share one. */
const honestAddress = (i: number) => `198.${18 + (i >> 16 & 1)}.${i >> 8 & 255}.${i & 255}`;
const BOT_ADDRESS = "203.0.113.66";
const skipperAddress = (i: number) => `198.51.100.${1 + i % 254}`;

/**
 * `shoppers` honest shoppers arrive at uniformly random times over `arrival` seconds from the
 * beginning, the bots all at the beginning (as soon as the line is open), and the skippers hammer
 * from the beginning until every shopper is done.
 */
export const queue: Scenario = async (driver, o) => {
  const q = o.queue;
  if (!q) throw new Error("the queue scenario needs its settings");
  const sale = `/api/sales/${driver.saleId}`;
  const watch = new LineWatch(`${driver.base}${sale}/events`);
  await sleep(q.begin - Date.now());

  driver.measure();
  const clock = performance.now();
  const requests = new Recorder(clock);
  const arrivalsEnd = clock + q.arrival * 1000;
  const deadline = Math.max(arrivalsEnd, clock + (q.startsAt - q.begin)) + 60_000;

  const call = async (step: string, path: string, address: string, body?: unknown) => {
    const sentAt = performance.now();
    const answer = await send(driver.base + sale + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const outcome = `${step} ${outcomeOf(answer)}`;
    requests.record(sentAt, performance.now() - sentAt, outcome, isError(answer.status));
    return answer;
  };

  const proofs = { solved: 0, ms: 0 };
  let warned = false;
  /** After a 429: waits its Retry-After and says to go on, unless that is past the arrivals. */
  const backOff = async (v: Visit, answer: Answer): Promise<boolean> => {
    v.rateLimited++;
    if (!v.bot && !warned) {
      warned = true;
      console.error(
        "an honest shopper was rate-limited: start the server with TRUSTED_PROXY_HOPS=1 so that " +
          "the runner's X-Forwarded-For addresses count (or QUEUE_JOINS_PER_IP=0)",
      );
    }
    const wait = (answer.retryAfter ?? 1) * 1000;
    if (performance.now() + wait > arrivalsEnd) return false;
    await sleep(wait);
    return true;
  };

  /** Challenge, proof and join, retrying 429s; the join's answer, or null without a ticket. */
  const join = async (v: Visit): Promise<Ticket | null> => {
    for (;;) {
      const c = await call("challenge", "/queue/challenge", v.address, { userId: v.userId });
      if (c.status === 429) {
        if (await backOff(v, c)) continue;
        return null;
      }
      const challenge = c.body?.challenge;
      const bits = c.body?.bits;
      if (typeof challenge !== "string" || typeof bits !== "number") return null;
      const solving = performance.now();
      const nonce = solve(challenge, bits);
      proofs.solved++;
      proofs.ms += performance.now() - solving;
      for (;;) {
        const sentAt = performance.now();
        const j = await call("join", "/queue", v.address, { userId: v.userId, challenge, nonce });
        if (j.status === 429) {
          if (await backOff(v, j)) continue;
          return null;
        }
        const ticket = ticketOf(j.body);
        if (ticket) {
          v.joinSentAt = sentAt;
          v.joinAnsweredAt = performance.now();
          v.prequeued = ticket.number === null;
        }
        return ticket;
      }
    }
  };

  const visit = async (v: Visit): Promise<void> => {
    let ticket = await join(v);
    if (!ticket) return;
    // Follow the stream; read the ticket when it says the turn came (or the draw, or the end),
    // or when the ticket's retryAfterMs is up, and never more than once a second.
    let lastRead = -Infinity;
    while (ticket.state === "waiting") {
      if (ticket.number !== null) v.number = ticket.number;
      if (performance.now() > deadline) {
        v.end = "waiting";
        return;
      }
      const { number } = ticket;
      await watch.until(
        () => watch.soldOut || (number === null ? watch.drawn : watch.served >= number),
        Math.max(1000, ticket.retryAfterMs),
      );
      await sleep(lastRead + 1000 - performance.now());
      const read = await call("ticket", `/queue/${encodeURIComponent(ticket.ticket)}`, v.address);
      lastRead = performance.now();
      if (read.status === 404) {
        v.end = "lost";
        return;
      }
      ticket = ticketOf(read.body) ?? ticket; // no answer: ask again
    }
    if (ticket.number !== null) v.number = ticket.number;
    if (ticket.state !== "admitted" || ticket.admission === null) {
      v.end = ticket.state === "sold_out" || ticket.state === "expired" || ticket.state === "used"
        ? ticket.state
        : "lost";
      return;
    }
    v.admittedAt = performance.now();
    v.admittedSeq = ticket.admittedSeq;
    const attempt = await driver.purchase(v.userId, {
      admission: ticket.admission,
      address: v.address,
    });
    v.answeredAt = performance.now();
    v.end = attempt.result === "SUCCESS" || attempt.result === "PENDING" ? "bought" : "refused";
  };

  const newVisit = (bot: boolean, address: string): Visit => ({
    userId: driver.newShopper(),
    bot,
    address,
    joinSentAt: null,
    joinAnsweredAt: null,
    prequeued: false,
    number: null,
    admittedAt: null,
    admittedSeq: null,
    answeredAt: null,
    end: "no_ticket",
    rateLimited: 0,
  });
  const bots = Array.from({ length: q.bots }, () => newVisit(true, BOT_ADDRESS));
  const honest = Array.from({ length: o.shoppers }, (_, i) => newVisit(false, honestAddress(i)));
  const arrivals = honest.map(() => Math.random() * q.arrival * 1000).sort((a, b) => a - b);
  const visits = [
    ...bots.map(visit),
    ...honest.map(async (v, i) => {
      await sleep(clock + arrivals[i]! - performance.now());
      await visit(v);
    }),
  ];

  let done = false;
  const skipperIds = new Set<string>();
  const skippers = Array.from({ length: q.skippers }, async (_, k) => {
    const userId = driver.newShopper();
    skipperIds.add(userId);
    // Every other purchase with a made-up admission: neither none nor a forgery may buy.
    const forged = `${driver.saleId}.${userId}.${Date.now() + 600_000}.forged`;
    for (let n = 0; !done; n++) {
      await driver.purchase(userId, {
        address: skipperAddress(k),
        ...(n % 2 === 1 ? { admission: forged } : {}),
      });
    }
  });

  const samples: LineSample[] = [];
  let seed: string | null = null;
  let drawnAt: string | null = null;
  const sample = async () => {
    const stats = await q.admin.request("GET", `/api/admin/sales/${driver.saleId}/stats`)
      .catch(() => null) as { remainingStock?: number; queue?: Record<string, unknown> } | null;
    const line = stats?.queue;
    if (!stats || !line) return;
    const n = (key: string) => typeof line[key] === "number" ? line[key] as number : 0;
    if (typeof line.seed === "string") seed = line.seed;
    if (typeof line.drawnAt === "string") drawnAt = line.drawnAt;
    const s: LineSample = {
      t: (performance.now() - clock) / 1000,
      remaining: stats.remainingStock ?? 0,
      prequeued: n("prequeued"),
      waiting: n("waiting"),
      admitted: n("admitted"),
      served: n("served"),
      used: n("used"),
      expired: n("expired"),
    };
    samples.push(s);
    console.error(
      `[line ${
        s.t.toFixed(0)
      }s] prequeued ${s.prequeued}, waiting ${s.waiting}, admitted ${s.admitted}, served ${s.served}, used ${s.used}, remaining ${s.remaining}`,
    );
  };
  const sampler = (async () => {
    while (!done) {
      const next = performance.now() + 1000;
      await sample();
      await sleep(next - performance.now());
    }
    await sample();
  })();

  await Promise.all(visits);
  done = true;
  await Promise.all([...skippers, sampler]);
  await watch.close();

  const everyone = [...bots, ...honest];
  const holders = everyone.filter((v) => v.joinSentAt !== null);
  const admitted = holders.filter((v) => v.admittedSeq !== null);
  const lineOrder = rankTau(
    admitted.map((v) => v.number ?? Infinity),
    admitted.map((v) => v.admittedSeq!),
  );
  const skipped = driver.attempts.filter((a) => skipperIds.has(a.userId));
  const skipOutcomes: Record<string, number> = {};
  for (const a of skipped) skipOutcomes[a.result ?? ""] = (skipOutcomes[a.result ?? ""] ?? 0) + 1;
  const wins = skipped.filter((a) => a.result === "SUCCESS" || a.result === "PENDING").length;
  const ended: Partial<Record<End, number>> = {};
  for (const v of everyone) ended[v.end] = (ended[v.end] ?? 0) + 1;
  const report: QueueReport = {
    startsAfter: (q.startsAt - q.begin) / 1000,
    seed,
    drawnAt,
    prequeue: figures(holders.filter((v) => v.prequeued)),
    afterStart: figures(holders.filter((v) => !v.prequeued)),
    all: figures(holders),
    lineOrder,
    honest: party(honest, driver.quantity),
    bots: party(bots, driver.quantity),
    skippers: { clients: q.skippers, purchases: skipped.length, wins, outcomes: skipOutcomes },
    proofs,
    ended,
    requests: requests.summary(),
    samples,
  };
  return {
    checks: queueChecks(report, holders.length),
    notes: {},
    shoppers: holders.length,
    queue: report,
  };
};
