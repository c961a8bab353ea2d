/**
 * The `queue` scenario: a sale with a waiting room (DESIGN §8, docs/waiting-room.md) under a crowd
 * that arrives over a span, part of it in the pre-queue before the start and the rest after, each
 * shopper solving the proof, joining, waiting for its turn and buying with its admission; a bot
 * farm of many identities behind one address doing the same; and scripted clients that skip the
 * line and hammer the purchase. It measures whether the line was fair: the rank correlation
 * between arrival and admission order, the waits, and what the bots and the skippers won.
 */
import { type Admin, tallied } from "./invariants.ts";
import { type Concordance, kendallTau, rankTau } from "./kendall.ts";
import { solve } from "./pow.ts";
import {
  type Answer,
  type Check,
  isError,
  outcomeOf,
  type Scenario,
  send,
  sleep,
  StreamReader,
} from "./scenarios.ts";
import { percentile, Recorder, type Summary } from "./stats.ts";

export interface QueueSettings {
  /** Epoch ms when arrivals begin: the honest shoppers arrive over the next `arrival` seconds. */
  begin: number;
  /** Epoch ms of the sale's start: who joins before it is shuffled in the draw. */
  startsAt: number;
  arrival: number;
  bots: number;
  skippers: number;
  admin: Admin;
}

/** Where each identity's way through the line ended. */
type End =
  /** It bought (SUCCESS or PENDING). */
  | "bought"
  /** Admitted, but its purchase was refused (the overbooked ones find the stock gone). */
  | "refused"
  /** The ticket's end states, reached while waiting. */
  | "sold_out"
  | "expired"
  | "used"
  /** The line no longer knew its ticket (404). */
  | "lost"
  /** Still waiting when the run gave up on it: a stuck line. */
  | "waiting"
  /** It never got a ticket: rate-limited past the arrivals, or refused its challenge or join. */
  | "no_ticket";

/** One identity's way through the line; times are the runner's clock (performance.now). */
interface Visit {
  userId: string;
  bot: boolean;
  address: string;
  /** The join that gave the ticket: sent and answered. */
  joinSentAt: number | null;
  joinAnsweredAt: number | null;
  /** Joined before the draw (its join answer had no number yet). */
  prequeued: boolean;
  /** Its place in the line's order: the order admissions go out in. */
  number: number | null;
  /** When it read its ticket admitted. */
  admittedAt: number | null;
  /** The server's `admittedSeq`: its place in the order the server admitted tickets. */
  admittedSeq: number | null;
  /** When its purchase was answered. */
  answeredAt: number | null;
  end: End;
  /** 429s it got on its challenges and joins. */
  rateLimited: number;
}

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

/** The admin stats' `queue`, and the remaining stock, once a second. */
export interface LineSample {
  /** Seconds since arrivals began. */
  t: number;
  remaining: number;
  prequeued: number;
  waiting: number;
  admitted: number;
  served: number;
  used: number;
  expired: number;
}

export interface Waits {
  /** ms, over those who got that far. */
  p50: number;
  p99: number;
  count: number;
}

export interface GroupFigures extends Concordance {
  /** Identities of the group that got a ticket. */
  tickets: number;
  /** Join sent -> ticket read admitted. */
  admitted: Waits;
  /** Join sent -> purchase answered. */
  answered: Waits;
}

export interface Party {
  /** Identities that came. */
  identities: number;
  tickets: number;
  /** Identities that bought, and their items. */
  buyers: number;
  items: number;
  /** 429s on challenges and joins. */
  rateLimited: number;
}

export interface QueueReport {
  /** Seconds from the beginning of arrivals to the sale's start. */
  startsAfter: number;
  /** The draw's seed and time, as the admin stats tell them. */
  seed: string | null;
  drawnAt: string | null;
  /** By arrival: before the draw, after the start, everyone with a ticket. */
  prequeue: GroupFigures;
  afterStart: GroupFigures;
  all: GroupFigures;
  /** The line's order (ticket numbers) against the order of admission (`admittedSeq`). */
  lineOrder: Concordance;
  honest: Party;
  bots: Party;
  skippers: { clients: number; purchases: number; wins: number; outcomes: Record<string, number> };
  /**
   * Proofs the runner solved and the milliseconds it spent on them: its own CPU, taken from the
   * machine it measures (when that is the server's, the waits include it).
   */
  proofs: { solved: number; ms: number };
  /** Identities by where they ended. */
  ended: Partial<Record<End, number>>;
  /** The line's own requests (challenge, join, ticket reads), by step and outcome. */
  requests: Summary;
  samples: LineSample[];
}

/** Honest shoppers get addresses of their own (RFC 2544's benchmarking range), bots share one. */
const honestAddress = (i: number) => `198.${18 + (i >> 16 & 1)}.${i >> 8 & 255}.${i & 255}`;
const BOT_ADDRESS = "203.0.113.66";
const skipperAddress = (i: number) => `198.51.100.${1 + i % 254}`;

function waits(values: number[]): Waits {
  const sorted = values.toSorted((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), count: sorted.length };
}

/**
 * Two joins are in arrival order when one was answered before the other was sent; joins in
 * flight together are tied: the server may have taken either first.
 */
function arrivalOrder(a: Visit, b: Visit): number {
  if (a.joinAnsweredAt! < b.joinSentAt!) return -1;
  if (b.joinAnsweredAt! < a.joinSentAt!) return 1;
  return 0;
}

function figures(group: Visit[]): GroupFigures {
  const ranked = group.filter((v) => v.number !== null);
  const tau = kendallTau(
    ranked.length,
    (i, j) => arrivalOrder(ranked[i]!, ranked[j]!),
    (i, j) => ranked[i]!.number! - ranked[j]!.number!,
  );
  const since = (at: (v: Visit) => number | null) =>
    waits(group.flatMap((v) => at(v) === null ? [] : [at(v)! - v.joinSentAt!]));
  return {
    ...tau,
    tickets: group.length,
    admitted: since((v) => v.admittedAt),
    answered: since((v) => v.answeredAt),
  };
}

function party(visits: Visit[], quantity: number): Party {
  const buyers = visits.filter((v) => v.end === "bought").length;
  return {
    identities: visits.length,
    tickets: visits.filter((v) => v.joinSentAt !== null).length,
    buyers,
    items: buyers * quantity,
    rateLimited: visits.reduce((sum, v) => sum + v.rateLimited, 0),
  };
}

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

/**
 * The queue's own checks. Each compares something; one that compared nothing (no ordered pair, no
 * purchase by a skipper, no ticket) fails and says so. With no skippers asked for, theirs is left
 * out.
 */
export function queueChecks(
  r: {
    afterStart: Concordance;
    lineOrder: Concordance;
    skippers: { clients: number; purchases: number; wins: number };
    ended: { waiting?: number; lost?: number };
    requests: { requests: number; errors: number };
  },
  /** Identities that got a ticket. */
  tickets: number,
): Check[] {
  const pairs = (c: Concordance) => c.concordant + c.discordant;
  const stuck = (r.ended.waiting ?? 0) + (r.ended.lost ?? 0);
  const s = r.skippers;
  return [
    ...(s.clients === 0 ? [] : [
      tallied(
        "clients skipping the line won nothing",
        s.purchases,
        s.wins,
        `${s.wins} of ${s.purchases} purchases`,
      ),
    ]),
    tallied(
      "after-start arrivals were put in the line in arrival order",
      pairs(r.afterStart),
      r.afterStart.discordant,
      `${r.afterStart.discordant} of ${pairs(r.afterStart)} ordered pairs reversed`,
    ),
    tallied(
      "admissions went out in the line's order",
      pairs(r.lineOrder),
      r.lineOrder.discordant,
      `${r.lineOrder.discordant} of ${pairs(r.lineOrder)} ordered pairs reversed`,
    ),
    tallied(
      "every ticket came to an end",
      tickets,
      stuck,
      `${r.ended.waiting ?? 0} still waiting, ${r.ended.lost ?? 0} lost, of ${tickets}`,
    ),
    tallied(
      "no 5xx or network errors on the line's requests",
      r.requests.requests,
      r.requests.errors,
      `${r.requests.errors} of ${r.requests.requests}`,
    ),
  ];
}
