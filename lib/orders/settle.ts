import type { Gate } from "../gate/gate.ts";
import type { BuyerRecord } from "../gate/reservation.ts";
import type { ReservedOrder, Settled } from "../domain/order.ts";
import type { OrderRepository } from "./repository.ts";

/**
 * Brings pending orders into PostgreSQL and makes Redis agree with the result: committed orders
 * leave the outbox; an order PostgreSQL refused because the shopper already has another one, or
 * voided (made before a reset's fence), gives its stock back and leaves the buyers (release.lua,
 * once). Used by the group-commit writer, the
 * outbox sweeper and the reconciler alike. Throws when PostgreSQL's answer is unknown: then
 * nothing is released.
 *
 * `settled` is PostgreSQL's answer, all a shopper's answer needs; `redis` is the follow-up in
 * Redis, which the writer does not wait for (a slow Redis must not hold an answer whose order is
 * committed) and the sweeper does (it reads the outbox again next).
 */
export type Settle = (
  batch: ReservedOrder[],
  /** The batch was read from the outbox: its orders may be in PostgreSQL already, even ended. */
  swept?: boolean,
) => Promise<{ settled: Settled[]; redis: Promise<void> }>;

export function makeSettle(
  orders: OrderRepository,
  gate: Gate,
  onStockReturned: (saleId: number) => void,
): Settle {
  return async (batch, swept = false) => {
    const settled = await orders.insert(batch, swept);
    const doneBySale = new Map<number, string[]>();
    const releases: Promise<unknown>[] = [];
    const release = (p: ReservedOrder, existing: BuyerRecord | null) =>
      releases.push(
        gate.release(p.saleId, p.userId, p.id, p.quantity, existing, p.outboxId).then(
          (released) => released && onStockReturned(p.saleId),
        ),
      );
    settled.forEach((s, i) => {
      const p = batch[i]!;
      if (s.kind === "COMMITTED") {
        const ids = doneBySale.get(p.saleId) ?? [];
        ids.push(p.outboxId);
        doneBySale.set(p.saleId, ids);
      } else if (s.kind === "VOIDED") {
        // Never to be written, so its buyer entry and stock must go too, if Redis still holds this
        // very reservation (a rebuild since the reset may have cleared it: then nothing is given).
        release(p, null);
      } else {
        release(p, {
          orderId: s.existing.id,
          quantity: s.existing.quantity,
          createdAtMs: s.existing.createdAt.getTime(),
        });
      }
    });
    // Redis trouble here loses nothing: the entries stay in the outbox and the sweeper retries.
    const redis = Promise.allSettled([
      ...releases,
      ...[...doneBySale].map(([saleId, ids]) => gate.trimOutbox(saleId, ids)),
    ]).then(() => {});
    return { settled, redis };
  };
}
