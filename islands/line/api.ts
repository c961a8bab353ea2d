/** The shopper's side of a sale's waiting room (docs/waiting-room.md), as the page calls it. */
import { requestJson } from "../parts/api.ts";
import type { TicketView } from "../../lib/line/line.ts";

export type { TicketView };

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
): Promise<Answer<TicketView>> {
  return requestJson(`/api/sales/${saleId}/queue`, { method: "POST", body: proof });
}

export function readTicket(saleId: number, ticket: string): Promise<Answer<TicketView>> {
  return requestJson(`/api/sales/${saleId}/queue/${encodeURIComponent(ticket)}`);
}
