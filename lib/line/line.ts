import type { RedisClient, Script } from "../infra/redis/client.ts";
import { arrayReply, loadScripts } from "../infra/redis/client.ts";
import { admissionSecretKey, lineKeys, lineRateKey, saleKeys } from "../gate/keys.ts";
import { AppError } from "../domain/errors.ts";
import type { LineProgress, Sale, WaitingRoom } from "../domain/sale.ts";
import { type Admission, type Challenge, newTicket } from "./tokens.ts";
import { AdmissionSecret } from "./secret.ts";

/** A ticket's state as the shopper protocol names it (docs/waiting-room.md). */
export type TicketState = "waiting" | "admitted" | "used" | "expired" | "sold_out";

/** `GET /api/sales/:id/queue/:ticket`, and the join's answer. */
export interface TicketView {
  ticket: string;
  state: TicketState;
  /** Its place in the line's order; null until the pre-queue is drawn at the start. */
  number: number | null;
  /** 1 = next; null unless waiting with a known number. */
  position: number | null;
  /** `position - 1`; when sold out, how many were ahead of it in the line's order. */
  ahead: number | null;
  /** When to ask again without an event stream; null once nothing more will change by waiting. */
  retryAfterMs: number | null;
  /** Its place in the order admissions went out (1 = the first admitted); null until admitted. */
  admittedSeq: number | null;
  admission?: string;
  admissionExpiresAt?: string;
}

/** The line in numbers: its event stream's part, and the admin's. */
export interface LineStats extends LineProgress {
  admitted: number;
  used: number;
  expired: number;
  /** Joined before the start; null until known (the start). */
  prequeued: number | null;
  seed: string | null;
  drawnAt: string | null;
}

/** How long a process reuses a sale's line numbers for its event streams. */
const PROGRESS_TTL_MS = 100;
const JOIN_WINDOW_MS = 60_000;
const STATE: Record<string, TicketState> = {
  w: "waiting",
  a: "admitted",
  u: "used",
  x: "expired",
};

const SCRIPT_FILES = ["join", "ticket", "progress", "count", "secret", "admit", "draw"] as const;
export type LineScript = typeof SCRIPT_FILES[number];

/**
 * A sale's waiting room (DESIGN §8): challenges, joins, tickets and admissions. The line lives in
 * Redis under the sale's hash tag (lib/gate/keys.ts); its order is kept by one admitter at a time
 * (admitter.ts). Admissions are signed here and consumed by purchase.lua.
 */
export class WaitingLine {
  private readonly progressCache = new Map<number, { at: number; stats: Promise<LineStats> }>();

  private constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly scripts: Record<LineScript, Script>,
    private readonly secret: AdmissionSecret,
    /** Challenges, and joins, per client address per sale per minute; 0: no limit. */
    private readonly joinsPerIp: number,
  ) {}

  static async load(
    redis: RedisClient,
    prefix: string,
    options: { secret: string | undefined; joinsPerIp: number },
  ): Promise<WaitingLine> {
    const scripts = await loadScripts(new URL("./", import.meta.url), SCRIPT_FILES);
    const secret = await AdmissionSecret.load(
      redis,
      scripts.secret,
      admissionSecretKey(prefix),
      options.secret,
    );
    return new WaitingLine(redis, prefix, scripts, secret, options.joinsPerIp);
  }

  keys(saleId: number) {
    return lineKeys(this.prefix, saleId);
  }

  async challenge(sale: Sale, room: WaitingRoom, userId: string, ip: string): Promise<Challenge> {
    await this.limit(sale.id, "challenge", ip);
    return (await this.secret.current()).challenge(sale.id, userId, room.powBits, Date.now());
  }

  /**
   * Joins the line once; the same shopper again gets their ticket, unless it was used for a hold
   * that ended since (then a new ticket, at the back).
   */
  async join(
    sale: Sale,
    room: WaitingRoom,
    userId: string,
    proof: { challenge: string; nonce: string },
    ip: string,
  ): Promise<{ created: boolean; view: TicketView }> {
    await this.limit(sale.id, "join", ip);
    if (
      !(await this.secret.current()).proofHolds(
        sale.id,
        userId,
        proof.challenge,
        proof.nonce,
        room.powBits,
        Date.now(),
      )
    ) {
      throw new AppError("PROOF_INVALID");
    }
    const s = saleKeys(this.prefix, sale.id);
    const q = this.keys(sale.id);
    const r = arrayReply(
      await this.redis.evalScript(
        this.scripts.join,
        [s.meta, q.meta, q.users, q.owners, q.states, q.numbers, q.pre, q.line, s.buyers],
        [userId, newTicket(), room.prequeueMinutes * 60_000],
      ),
    );
    switch (r[0]) {
      case 1:
      case 0:
        return { created: r[0] === 1, view: await this.ticket(sale, String(r[1])) };
      case -1:
        throw new AppError(
          "QUEUE_NOT_OPEN",
          `The line opens ${room.prequeueMinutes} minutes before the sale starts.`,
        );
      case -2:
        throw new AppError("QUEUE_NOT_OPEN", "The line is closed: the sale has ended.");
      case -3:
        throw new AppError("SALE_REBUILDING");
      default:
        throw new AppError("NO_WAITING_ROOM");
    }
  }

  /** A ticket as its shopper sees it; TICKET_NOT_FOUND for one this line does not hold. */
  async ticket(sale: Sale, ticket: string): Promise<TicketView> {
    const q = this.keys(sale.id);
    const r = arrayReply(
      await this.redis.evalScript(
        this.scripts.ticket,
        [
          q.meta,
          q.owners,
          q.states,
          q.numbers,
          q.admitted,
          saleKeys(this.prefix, sale.id).stock,
          q.admittedSeq,
        ],
        [ticket],
      ),
    );
    if (r[0] !== 1) throw new AppError("TICKET_NOT_FOUND");
    const userId = String(r[1]);
    const stored = STATE[String(r[2])] ?? "waiting";
    const number = Number(r[3]) < 0 ? null : Number(r[3]);
    const served = Number(r[4]);
    const expiresAtMs = Number(r[5]);
    const stock = Number(r[6]);
    const now = Number(r[7]);
    const admittedSeq = Number(r[8]) < 0 ? null : Number(r[8]);
    let state: TicketState = stored;
    if (state === "admitted" && expiresAtMs <= now) state = "expired";
    // Nobody waits for nothing: with no stock left, a ticket that has not bought is done.
    if ((state === "waiting" || state === "admitted") && stock === 0) state = "sold_out";
    const position = state === "waiting" && number !== null ? Math.max(1, number - served) : null;
    const view: TicketView = {
      ticket,
      state,
      number,
      position,
      // Sold out: how many were ahead of it in the line's order.
      ahead: position !== null
        ? position - 1
        : state === "sold_out" && number !== null
        ? number - 1
        : null,
      retryAfterMs: state === "waiting"
        ? (number === null ? Math.min(5000, Math.max(500, sale.startTime.getTime() - now)) : 2000)
        : null,
      admittedSeq,
    };
    if (state === "admitted") {
      const tokens = await this.secret.current();
      view.admission = tokens.admission(sale.id, userId, ticket, expiresAtMs);
      view.admissionExpiresAt = new Date(expiresAtMs).toISOString();
    }
    return view;
  }

  /** The ticket an admission admits, when it was signed for this sale and shopper. */
  verifyAdmission(saleId: number, userId: string, token: string): Promise<Admission | null> {
    return this.secret.check((tokens) => tokens.verifyAdmission(saleId, userId, token));
  }

  /** The line's numbers, shared by a process's event streams for PROGRESS_TTL_MS. */
  progress(saleId: number): Promise<LineStats> {
    const now = Date.now();
    const held = this.progressCache.get(saleId);
    if (held && now - held.at < PROGRESS_TTL_MS) return held.stats;
    const stats = this.stats(saleId);
    this.progressCache.set(saleId, { at: now, stats });
    stats.catch(() => this.progressCache.delete(saleId));
    return stats;
  }

  async stats(saleId: number): Promise<LineStats> {
    const q = this.keys(saleId);
    const r = arrayReply(
      await this.redis.evalScript(this.scripts.progress, [q.meta, q.pre, q.line, q.admitted], []),
    );
    const n = (i: number) => Number(r[i]);
    return {
      served: n(0),
      drawn: n(1) === 1,
      waiting: n(2),
      admitted: n(3),
      used: n(4),
      expired: n(5),
      prequeued: n(6) < 0 ? null : n(6),
      seed: r[7] === "" ? null : String(r[7]),
      drawnAt: n(8) < 0 ? null : new Date(n(8)).toISOString(),
    };
  }

  /** Forgets a sale's line (an admin's reset starts the sale again). */
  async clear(saleId: number): Promise<void> {
    const q = this.keys(saleId);
    await this.redis.del(
      q.meta,
      q.users,
      q.owners,
      q.states,
      q.numbers,
      q.pre,
      q.line,
      q.admitted,
      q.admittedSeq,
    );
    this.progressCache.delete(saleId);
  }

  private async limit(saleId: number, what: "challenge" | "join", ip: string): Promise<void> {
    if (this.joinsPerIp === 0) return;
    const r = arrayReply(
      await this.redis.evalScript(this.scripts.count, [
        lineRateKey(this.prefix, saleId, what, ip),
      ], [JOIN_WINDOW_MS]),
    );
    if (Number(r[0]) > this.joinsPerIp) {
      throw new AppError("RATE_LIMITED", undefined, undefined, Math.ceil(Number(r[1]) / 1000));
    }
  }
}
