/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * The server's clock, as seen from the browser: `Date.now()` plus an offset estimated from the
 * server time the API returns (half the round trip added), re-estimated when the page regains focus.
 * The time it gives never goes backwards, even when a new estimate is smaller than the old one.
 */
export function useServerNow(serverTime: string, syncUrl: string): number {
  const initial = Date.parse(serverTime);
  const [now, setNow] = useState(initial);
  const offset = useRef<number | null>(null);
  const shown = useRef(initial);

  useEffect(() => {
    // First estimate: the server stamped `serverTime` just before the page's response started.
    const nav = performance.getEntriesByType("navigation")[0] as
      | PerformanceNavigationTiming
      | undefined;
    const received = performance.timeOrigin + (nav?.responseStart ?? 0);
    offset.current = nav ? initial - received : 0;

    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const tick = () => {
      const next = Math.max(shown.current, Date.now() + (offset.current ?? 0));
      shown.current = next;
      setNow(next);
      // Wake just after the next whole second of server time, so seconds change on time.
      timer = setTimeout(tick, 1000 - (next % 1000) + 15);
    };
    const sync = async () => {
      try {
        const sent = Date.now();
        const res = await fetch(syncUrl, { cache: "no-store" });
        const body = await res.json() as { serverTime?: string };
        const back = Date.now();
        if (!body.serverTime || stopped) return;
        offset.current = Date.parse(body.serverTime) + (back - sent) / 2 - back;
        clearTimeout(timer);
        tick();
      } catch {
        // Offline for a moment: keep the last estimate.
      }
    };
    const onVisible = () => {
      if (document.visibilityState === "visible") void sync();
    };
    tick();
    void sync();
    addEventListener("focus", onVisible);
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      removeEventListener("focus", onVisible);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [syncUrl]);

  return now;
}
