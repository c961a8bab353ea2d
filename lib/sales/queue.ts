import { AppError } from "../domain/errors.ts";
import type { Sale, WaitingRoom } from "../domain/sale.ts";
import type { Shopper } from "../identity/identity.ts";
import type { Challenge } from "../line/tokens.ts";
import type { TicketView, WaitingLine } from "../line/line.ts";
import type { Reconciler } from "../recovery/reconciler.ts";
import type { SaleCache } from "./cache.ts";

/** The shopper's side of a sale's waiting room (docs/waiting-room.md), over the sale cache. */
export class QueueService {
  constructor(
    private readonly cache: SaleCache,
    private readonly line: WaitingLine,
    private readonly reconciler: Reconciler,
  ) {}

  async challenge(saleId: number, shopper: Shopper): Promise<Challenge> {
    const [sale, room] = await this.withRoom(saleId);
    return await this.line.challenge(sale, room, shopper.id, shopper.clientIp);
  }

  async join(
    saleId: number,
    shopper: Shopper,
    proof: { challenge: string; nonce: string },
  ): Promise<{ created: boolean; view: TicketView }> {
    const [sale, room] = await this.withRoom(saleId);
    try {
      return await this.line.join(sale, room, shopper.id, proof, shopper.clientIp);
    } catch (error) {
      // The sale's state is missing or stale. No purchase comes to start its rebuild (nobody in a
      // line buys without an admission), so the join starts it, as a purchase does.
      if (error instanceof AppError && error.code === "SALE_REBUILDING") {
        this.reconciler.ensure(saleId);
      }
      throw error;
    }
  }

  /** A ticket's state; a sale whose waiting room was turned off still answers for its tickets. */
  async ticket(saleId: number, ticket: string): Promise<TicketView> {
    const sale = this.cache.get(saleId) ?? await this.cache.find(saleId);
    if (!sale) throw new AppError("SALE_NOT_FOUND");
    return await this.line.ticket(sale, ticket);
  }

  private async withRoom(saleId: number): Promise<[Sale, WaitingRoom]> {
    const sale = this.cache.get(saleId) ?? await this.cache.find(saleId);
    if (!sale) throw new AppError("SALE_NOT_FOUND");
    if (!sale.waitingRoom) throw new AppError("NO_WAITING_ROOM");
    return [sale, sale.waitingRoom];
  }
}
