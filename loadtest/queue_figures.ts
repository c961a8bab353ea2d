/**
 * What the `queue` scenario (queue.ts) measures and checks: each identity's way through the line,
 * the fairness figures drawn from them (rank correlation between arrival and the line's order,
 * waits, what each party won), and the queue's own checks.
 */
import { type Admin, tallied } from "./invariants.ts";
import type { Check } from "./driver.ts";
import { type Concordance, kendallTau } from "./kendall.ts";
import { percentile, type Summary } from "./stats.ts";

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
export type End =
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
export interface Visit {
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

export function figures(group: Visit[]): GroupFigures {
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

export function party(visits: Visit[], quantity: number): Party {
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
