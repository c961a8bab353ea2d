import type { SaleData } from "../parts/api.ts";

/** A sale's waiting room (docs/waiting-room.md), as the API gives and takes it. */
export interface WaitingRoom {
  powBits: number;
  admissionTtlSeconds: number;
  overbook: number;
  prequeueMinutes: number;
}

/** The contract's defaults, which the form starts from. */
export const WAITING_ROOM_DEFAULTS: WaitingRoom = {
  powBits: 16,
  admissionTtlSeconds: 120,
  overbook: 1.2,
  prequeueMinutes: 15,
};

/** The sale's waiting room, or null when it has none. */
export function waitingRoomOf(sale: SaleData): WaitingRoom | null {
  return (sale as SaleData & { waitingRoom?: WaitingRoom | null }).waitingRoom ?? null;
}

/** The line of a sale with a waiting room, as the admin stats give it (`queue`). */
export interface LineStats {
  /** The shuffle of those who joined before the start: its seed and when it was drawn. */
  seed: string | null;
  drawnAt: string | null;
  /** Joined before the start. */
  prequeued: number;
  waiting: number;
  /** Outstanding admissions: admitted, not yet used or expired. */
  admitted: number;
  /** Taken from the line so far, in its order. */
  served: number;
  used: number;
  expired: number;
}
