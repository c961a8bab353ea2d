import type { RedisClient, Script } from "../infra/redis/client.ts";
import { LineTokens, newTicket } from "./tokens.ts";

/**
 * The secret that signs the waiting room's challenges and admissions: the same in every process at
 * every moment. `ADMISSION_SECRET` fixes it. Unset, the secret lives in Redis (secret.lua), and a
 * Redis that loses its data loses it: the next process that asks makes a new one there. So no
 * process keeps a secret of its own: it signs, and checks proofs, with the one Redis keeps at that
 * moment; it checks admissions (every purchase does) with the one it read last, and again with the
 * one Redis keeps when that fails. An admission that passes only with a lost secret names a ticket
 * of the lost line, which purchase.lua refuses. Whatever was signed before the loss is void after
 * it, as the line it was signed for is.
 */
export class AdmissionSecret {
  private constructor(
    /** Reads the secret Redis keeps, making it first when there is none; null when configured. */
    private readonly read: (() => Promise<string>) | null,
    private secret: string,
    private tokens: LineTokens,
  ) {}

  static async load(
    redis: RedisClient,
    script: Script,
    key: string,
    configured: string | undefined,
  ): Promise<AdmissionSecret> {
    if (configured !== undefined) {
      return new AdmissionSecret(null, configured, new LineTokens(configured));
    }
    const read = async () =>
      String(await redis.evalScript(script, [key], [newTicket() + newTicket()]));
    const secret = await read();
    return new AdmissionSecret(read, secret, new LineTokens(secret));
  }

  /** The tokens of the secret in force now: one Redis round trip unless configured. */
  async current(): Promise<LineTokens> {
    if (this.read) {
      const secret = await this.read();
      if (secret !== this.secret) {
        this.secret = secret;
        this.tokens = new LineTokens(secret);
      }
    }
    return this.tokens;
  }

  /**
   * What `check` finds with the secret read last or, when that finds nothing and Redis keeps
   * another one now (made after a data loss), with that one.
   */
  async check<T>(check: (tokens: LineTokens) => T | null): Promise<T | null> {
    const last = this.tokens;
    const found = check(last);
    if (found !== null) return found;
    const now = await this.current();
    return now === last ? null : check(now);
  }
}
