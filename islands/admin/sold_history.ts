import type { SaleData } from "../parts/api.ts";

export const CHART_SECONDS = 60;
/** The "per second" figures average this many seconds, so a burst does not flicker. */
const RATE_SECONDS = 5;

/** Items sold per wall-clock second, by sale: sale id -> unix second -> items. */
export type SoldPerSecond = Record<number, Record<number, number>>;

export function soldOf(s: SaleData): number {
  return s.totalStock - s.remainingStock;
}

/** Adds what each sale sold since its last reading to `second`, keeping only the chart's span. */
export function addSold(
  history: SoldPerSecond,
  added: Map<number, number>,
  second: number,
): SoldPerSecond {
  const next: SoldPerSecond = {};
  for (const [id, seconds] of Object.entries(history)) {
    const kept = Object.entries(seconds).filter(([at]) => Number(at) > second - CHART_SECONDS);
    if (kept.length > 0) next[Number(id)] = Object.fromEntries(kept);
  }
  for (const [id, items] of added) {
    const seconds = next[id] ??= {};
    seconds[second] = (seconds[second] ?? 0) + items;
  }
  return next;
}

/** The last `count` seconds up to `second`, oldest first, 0 where nothing sold. */
export function lastSeconds(history: SoldPerSecond, id: number, second: number, count: number) {
  const seconds = history[id] ?? {};
  return Array.from({ length: count }, (_, i) => seconds[second - count + 1 + i] ?? 0);
}

export function rateOf(history: SoldPerSecond, id: number, second: number): number {
  return lastSeconds(history, id, second, RATE_SECONDS).reduce((a, b) => a + b, 0) /
    RATE_SECONDS;
}
