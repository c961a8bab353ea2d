import { createHash } from "node:crypto";

/**
 * The pre-queue's order for a seed: tickets sorted by SHA-256 of `seed:ticket` (hex), ties (none
 * in practice) by ticket. A function of the seed alone, so an admitter that takes over mid-draw
 * writes the same numbers, and an auditor with the seed (admin stats) and the tickets can redo it.
 */
export function drawOrder(seed: string, tickets: readonly string[]): string[] {
  const keyed = tickets.map((ticket) => ({
    ticket,
    key: createHash("sha256").update(`${seed}:${ticket}`).digest("hex"),
  }));
  keyed.sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.ticket < b.ticket ? -1 : a.ticket > b.ticket ? 1 : 0
  );
  return keyed.map((k) => k.ticket);
}
