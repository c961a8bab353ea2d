/**
 * Every Redis key and channel name, built in one place. All keys of a sale share the hash tag
 * `{<saleId>}`, so each script touches one Redis Cluster slot.
 */
export interface SaleKeys {
  meta: string;
  stock: string;
  buyers: string;
  outbox: string;
  lock: string;
  /** The last fencing token a rebuild of the sale was given (hold.lua). */
  fence: string;
}

export function saleKeys(prefix: string, saleId: number): SaleKeys {
  const base = `${prefix}:{${saleId}}`;
  return {
    meta: `${base}:meta`,
    stock: `${base}:stock`,
    buyers: `${base}:buyers`,
    outbox: `${base}:outbox`,
    lock: `${base}:lock`,
    fence: `${base}:fence`,
  };
}

/**
 * A sale's waiting room (lib/line/), under the sale's hash tag like the rest of its keys, so the
 * purchase script can check and consume an admission in the same call.
 */
export interface LineKeys {
  /** hash: seq, post (joins after the start), prequeued, seed, drawnAt, drawn, served, used, expired */
  meta: string;
  /** hash: userId -> ticket */
  users: string;
  /** hash: ticket -> userId */
  owners: string;
  /** hash: ticket -> "w" waiting | "a" admitted | "u" used | "x" expired */
  states: string;
  /** hash: ticket -> its number in the line's order (once known) */
  numbers: string;
  /** zset: tickets that joined before the start, by arrival, until the draw */
  pre: string;
  /** zset: waiting tickets by number */
  line: string;
  /** zset: admitted tickets not yet used, by expiry (epoch ms) */
  admitted: string;
  /** hash: ticket -> its place in the order admissions went out (1 = the first admitted) */
  admittedSeq: string;
  /** string: the admitter's lease */
  lease: string;
}

export function lineKeys(prefix: string, saleId: number): LineKeys {
  const base = `${prefix}:{${saleId}}:q`;
  return {
    meta: `${base}:meta`,
    users: `${base}:users`,
    owners: `${base}:owners`,
    states: `${base}:states`,
    numbers: `${base}:numbers`,
    pre: `${base}:pre`,
    line: `${base}:line`,
    admitted: `${base}:admitted`,
    admittedSeq: `${base}:admittedseq`,
    lease: `${base}:lease`,
  };
}

/** Challenges or joins of one client address in a sale's line, per minute (QUEUE_JOINS_PER_IP). */
export function lineRateKey(
  prefix: string,
  saleId: number,
  what: "challenge" | "join",
  ip: string,
): string {
  return `${prefix}:{${saleId}}:q:rl:${what}:${ip}`;
}

/** The admission secret every process shares when ADMISSION_SECRET is not set. */
export function admissionSecretKey(prefix: string): string {
  return `${prefix}:admission-secret`;
}

/** Where every process hears that a sale changed (metadata, stock given back, reset). */
export function salesChannel(prefix: string): string {
  return `${prefix}:sales`;
}

/** A shopper's and a client IP's attempt counters in one sale: same hash tag as the sale's keys. */
export function rateKeys(
  prefix: string,
  saleId: number,
  userId: string,
  ip: string,
): { shopper: string; client: string } {
  const base = `${prefix}:{${saleId}}:rl`;
  return { shopper: `${base}:u:${userId}`, client: `${base}:ip:${ip}` };
}
