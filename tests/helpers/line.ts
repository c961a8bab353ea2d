import { solve } from "../../loadtest/pow.ts";
import { type Answer, call } from "./client.ts";

/** A nonce that solves a challenge: the load runner's solver (what the page's worker does). */
export { solve };

/** Challenge, proof and join, as a shopper's page does them; the join's answer. */
export async function joinLine(
  base: string,
  saleId: number,
  userId: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const c = await call(base, "POST", `/api/sales/${saleId}/queue/challenge`, { userId }, headers);
  if (c.status !== 200) return c;
  const nonce = solve(c.body.challenge, c.body.bits);
  return await call(base, "POST", `/api/sales/${saleId}/queue`, {
    userId,
    challenge: c.body.challenge,
    nonce,
  }, headers);
}

export async function readTicket(base: string, saleId: number, ticket: string): Promise<Answer> {
  return await call(base, "GET", `/api/sales/${saleId}/queue/${ticket}`);
}

/** Reads a ticket until its state is no longer `waiting` (or the time is up). */
export async function waitPast(
  base: string,
  saleId: number,
  ticket: string,
  timeoutMs = 15_000,
): Promise<Answer> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const t = await readTicket(base, saleId, ticket);
    if (t.status !== 200 || t.body.state !== "waiting" || Date.now() > until) return t;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A purchase with an admission (or none), through the JSON API. */
export function buyWith(
  base: string,
  saleId: number,
  userId: string,
  admission: string | undefined,
): Promise<Answer> {
  return call(base, "POST", `/api/sales/${saleId}/purchase`, {
    userId,
    ...(admission === undefined ? {} : { admission }),
  });
}
