/** What the line tells the shopper: its refusals and the ends a ticket can come to. */
import { numberFormat } from "../parts/format.ts";
import { purchaseResult, type ResultView } from "../parts/result.ts";
import type { ErrorBody } from "./api.ts";

export const OFFLINE: ResultView = {
  tone: "danger",
  title: "Could not reach the shop",
  detail: "Check your connection and try again. Your place in line is kept.",
};

/** A refused challenge, join or ticket read. */
export function lineRefusal(status: number, body: ErrorBody): ResultView {
  switch (body.error?.code) {
    case "PROOF_INVALID":
      return {
        tone: "warning",
        title: "The check did not pass",
        detail: "It may have taken too long. Join the line again.",
      };
    case "QUEUE_NOT_OPEN":
      return {
        tone: "warning",
        title: "The line is not open",
        detail: body.error.message ?? "The line is not open now.",
      };
    case "NO_WAITING_ROOM":
      return {
        tone: "info",
        title: "No waiting room any more",
        detail: "This sale has no line now: reload the page to buy.",
      };
  }
  return purchaseResult(status, body);
}

function shoppers(n: number): string {
  return n === 1 ? "1 shopper was" : `${numberFormat.format(n)} shoppers were`;
}

/** Sold out before the shopper's turn (or during it), with how many were ahead in the line. */
export function soldOutView(ahead: number | null): ResultView {
  return {
    tone: "danger",
    title: "Sold out",
    detail: ahead === null
      ? "Every item was sold before your turn."
      : ahead === 0
      ? "Every item was sold before you bought."
      : `${shoppers(ahead)} ahead of you in line, and every item was sold before your turn.`,
  };
}

export function expiredView(ttlSeconds: number): ResultView {
  const time = ttlSeconds % 60 === 0
    ? `${ttlSeconds / 60} minute${ttlSeconds === 60 ? "" : "s"}`
    : `${ttlSeconds} seconds`;
  return {
    tone: "warning",
    title: "Your turn has passed",
    detail: `Your turn to buy lasted ${time} and ended without an order: the line has moved ` +
      "on to the next shoppers.",
  };
}

export const LOST: ResultView = {
  tone: "warning",
  title: "Your place in line was lost",
  detail: "The line was interrupted on our side and no longer knows your ticket. " +
    "Join again to get a new place.",
};
