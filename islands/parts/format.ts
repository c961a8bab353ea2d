/** Formatting shared by the server render and the islands. */

export type Status = "UPCOMING" | "ACTIVE" | "ENDED";

export function statusAt(nowMs: number, startTime: string, endTime: string): Status {
  if (nowMs < Date.parse(startTime)) return "UPCOMING";
  if (nowMs >= Date.parse(endTime)) return "ENDED";
  return "ACTIVE";
}

export const STATUS_LABEL: Record<Status, string> = {
  UPCOMING: "Upcoming",
  ACTIVE: "Live now",
  ENDED: "Ended",
};

export interface Parts {
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** Whole seconds left, rounded up, so "0 s" shows only when the moment has come. */
export function partsUntil(targetMs: number, nowMs: number): Parts {
  const total = Math.max(0, Math.ceil((targetMs - nowMs) / 1000));
  return {
    days: Math.floor(total / 86400),
    hours: Math.floor(total / 3600) % 24,
    minutes: Math.floor(total / 60) % 60,
    seconds: total % 60,
  };
}

export function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** "2d 03:04:05" or "03:04:05": compact, for lists. */
export function shortDuration(p: Parts): string {
  const hms = `${pad2(p.hours)}:${pad2(p.minutes)}:${pad2(p.seconds)}`;
  return p.days > 0 ? `${p.days}d ${hms}` : hms;
}

/**
 * A sale time for people. The server renders it in UTC (it does not know the shopper's zone);
 * the islands, in the browser, show it in the shopper's zone.
 */
export function formatTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
    timeZoneName: "short",
  }).format(new Date(iso));
}

export const numberFormat = new Intl.NumberFormat("en-US");

/** "10 minutes", "90 seconds": a checkout hold's length for people. */
export function holdTime(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} seconds`;
  return seconds === 60 ? "1 minute" : `${seconds / 60} minutes`;
}
