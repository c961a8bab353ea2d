/** The shopper's side of a sale's waiting room (docs/waiting-room.md), as the page calls it. */
import { requestJson } from "../parts/api.ts";

export interface WaitingRoom {
  powBits: number;
  admissionTtlSeconds: number;
  overbook: number;
  prequeueMinutes: number;
}

/** The line's progress in each `sale` event of a waiting-room sale's stream. */
export interface LineProgress {
  /** Tickets taken from the line so far, in its order: ticket `number` n is served once this is n. */
  served: number;
  waiting: number;
  /** Whether the early joiners' order has been drawn (it is at the start). */
  drawn: boolean;
}

export type TicketState = "waiting" | "admitted" | "used" | "expired" | "sold_out";

export interface Ticket {
  ticket: string;
  state: TicketState;
  /** The place in the line's order; null before the start for early joiners (drawn at the start). */
  number: number | null;
  position: number | null;
  ahead: number | null;
  retryAfterMs: number;
  admission?: string;
  admissionExpiresAt?: string;
}

interface Challenge {
  challenge: string;
  bits: number;
  expiresAt: string;
}

/** The error shape of every refusal. */
export interface ErrorBody {
  error?: { code?: string; message?: string };
}

export type Answer<T> = { status: number; body: Partial<T> & ErrorBody };

export function askChallenge(saleId: number, userId: string): Promise<Answer<Challenge>> {
  return requestJson(`/api/sales/${saleId}/queue/challenge`, {
    method: "POST",
    body: { userId },
  });
}

export function joinLine(
  saleId: number,
  proof: { userId: string; challenge: string; nonce: string },
): Promise<Answer<Ticket>> {
  return requestJson(`/api/sales/${saleId}/queue`, { method: "POST", body: proof });
}

export function readTicket(saleId: number, ticket: string): Promise<Answer<Ticket>> {
  return requestJson(`/api/sales/${saleId}/queue/${encodeURIComponent(ticket)}`);
}
