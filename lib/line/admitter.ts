import { arrayReply, type RedisClient } from "../infra/redis/client.ts";
import { saleKeys } from "../gate/keys.ts";
import type { Sale, WaitingRoom } from "../domain/sale.ts";
import { drawOrder } from "./draw.ts";
import type { WaitingLine } from "./line.ts";
import { newTicket } from "./tokens.ts";

/** How often the admitter steps each open line. */
const STEP_MS = 100;
/** The lease outlives a few missed steps; a dead admitter's line moves again within it. */
const LEASE_MS = 2000;
/** Tickets admitted per step at most: bounds one script's run. */
const ADMIT_PER_STEP = 1000;
/** Tickets per step of the draw: bounds one script's run however long the pre-queue is. */
const DRAW_CHUNK = 2000;

type WithRoom = Sale & { waitingRoom: WaitingRoom };

/**
 * Moves every open line of the shop: one admitter per sale across all processes, by a lease in
 * Redis that each step renews (admit.lua), so a process that dies hands its lines over within
 * LEASE_MS. Every process runs one; only the lease holder's steps do anything.
 */
export class Admitter {
  /**
   * This process's lease token, naming the host and process (what an operator reading the lease
   * key wants to know), made unique by a random part.
   */
  readonly token = `${Deno.hostname()}/${Deno.pid}/${crypto.randomUUID()}`;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly line: WaitingLine,
    /** The sales this process knows of (the sale cache). */
    private readonly sales: () => Sale[],
    /** Starts the sale's one-at-a-time rebuild from PostgreSQL (the reconciler's `ensure`). */
    private readonly rebuild: (saleId: number) => void,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await Promise.allSettled(this.open(Date.now()).map((sale) => this.step(sale)));
      this.schedule();
    }, STEP_MS);
  }

  /** Sales whose line is open: from the pre-queue's opening to the end. */
  private open(now: number): WithRoom[] {
    return this.sales().filter((s): s is WithRoom =>
      s.waitingRoom !== null &&
      now >= s.startTime.getTime() - s.waitingRoom.prequeueMinutes * 60_000 &&
      now < s.endTime.getTime()
    );
  }

  /** One step of one sale's line (nothing unless this process holds its lease). */
  private async step(sale: WithRoom): Promise<void> {
    const admitted = await this.admit(sale);
    if (admitted === "NOT_DRAWN") {
      await this.draw(sale.id);
      await this.admit(sale);
    } else if (admitted === "STATE_MISSING") {
      // Nobody in a line buys without an admission, so no purchase comes to start the rebuild: the
      // line starts it, the reconciler's one-at-a-time rebuild that purchases start.
      this.rebuild(sale.id);
    }
  }

  private async admit(
    sale: WithRoom,
  ): Promise<"NOT_HOLDER" | "NOT_DRAWN" | "STATE_MISSING" | "DONE"> {
    const s = saleKeys(this.prefix, sale.id);
    const q = this.line.keys(sale.id);
    const room = sale.waitingRoom;
    const r = arrayReply(
      await this.redis.evalScript(
        this.line.scripts.admit,
        [q.lease, s.meta, s.stock, q.meta, q.line, q.admitted, q.states, q.admittedSeq],
        [
          this.token,
          LEASE_MS,
          room.overbook,
          room.admissionTtlSeconds * 1000,
          ADMIT_PER_STEP,
        ],
      ),
    );
    switch (r[0]) {
      case 0:
        return "NOT_HOLDER";
      case 2:
        return "NOT_DRAWN";
      case 3:
        return "STATE_MISSING";
      default:
        return "DONE";
    }
  }

  /**
   * Draws the order of those who joined before the start: a seed drawn now (kept if an earlier
   * holder drew one), the pre-queue read in chunks, and each ticket's number written, all fenced
   * by the lease. Admissions start only after the last step.
   */
  private async draw(saleId: number): Promise<void> {
    const q = this.line.keys(saleId);
    const keys = [q.lease, saleKeys(this.prefix, saleId).meta, q.meta, q.pre, q.line, q.numbers];
    const run = async (args: (string | number)[]) =>
      arrayReply(await this.redis.evalScript(this.line.scripts.draw, keys, [this.token, ...args]));
    const begun = await run(["begin", newTicket() + newTicket()]);
    if (begun[0] !== 1) return;
    const seed = String(begun[1]);
    const size = Number(begun[2]);
    const tickets: string[] = [];
    while (tickets.length < size) {
      const page = await run(["read", tickets.length, DRAW_CHUNK]);
      if (page[0] !== 1 || page.length === 1) return;
      tickets.push(...page.slice(1).map(String));
    }
    const order = drawOrder(seed, tickets);
    for (let i = 0; i < order.length; i += DRAW_CHUNK) {
      const pairs: (string | number)[] = [];
      order.slice(i, i + DRAW_CHUNK).forEach((ticket, j) => pairs.push(ticket, i + j + 1));
      if ((await run(["write", ...pairs]))[0] !== 1) return;
    }
    await run(["end"]);
  }
}
