import { loadScript, type RedisClient, type Script } from "../infra/redis/client.ts";
import type { Holds } from "./holds.ts";

/** How often the expiry worker steps: a hold ends within about this of its deadline. */
export const EXPIRY_STEP_MS = 1000;
/** The lease outlives a few missed steps; a dead worker's holds move again within it. */
export const EXPIRY_LEASE_MS = 5000;
/** Holds ended, and ended holds given back, per statement at most: bounds each statement. */
const PAGE = 500;

/** The expiry worker's lease: a hash tag of its own, as it belongs to no one sale. */
export function expiryLeaseKey(prefix: string): string {
  return `${prefix}:{checkout}:expiry-lease`;
}

/**
 * Ends holds past their deadline and gives the stock of ended holds back (DESIGN §9): one worker
 * at a time across every process and instance, by a lease in Redis that each step renews. Every
 * process runs one; only the lease holder's steps do anything. Each part is idempotent, so a
 * worker that dies between two of them (or a lease that lapses mid-step) leaves work the next step
 * of any process finishes, never work done twice.
 */
export class HoldExpiry {
  /** This worker's lease token: host and process, made unique by a random part. */
  readonly token = `${Deno.hostname()}/${Deno.pid}/${crypto.randomUUID()}`;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    private readonly redis: RedisClient,
    private readonly leaseKey: string,
    private readonly lease: Script,
    private readonly holds: Holds,
  ) {}

  static async load(redis: RedisClient, prefix: string, holds: Holds): Promise<HoldExpiry> {
    const lease = await loadScript(new URL("./lease.lua", import.meta.url));
    return new HoldExpiry(redis, expiryLeaseKey(prefix), lease, holds);
  }

  start(): void {
    this.schedule();
  }

  /** Stops stepping; resolves once a step under way is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.step().catch(() => {
        // Redis or PostgreSQL away: the next step tries again.
      }).then(() => this.schedule());
    }, EXPIRY_STEP_MS);
  }

  /** One step, if this worker holds the lease: end due holds, then give ended ones back. */
  async step(): Promise<void> {
    for (;;) {
      if (this.stopped || !(await this.holdsLease())) return;
      const ended = await this.holds.expireDue(PAGE);
      const released = await this.holds.releaseEnded(PAGE);
      if (ended < PAGE && released < PAGE) return;
    }
  }

  private async holdsLease(): Promise<boolean> {
    return await this.redis.evalScript(this.lease, [this.leaseKey], [
      this.token,
      EXPIRY_LEASE_MS,
    ]) === 1;
  }
}
