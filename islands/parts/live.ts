/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";
import { requestJson, type SaleData } from "./api.ts";
import { statusAt } from "./format.ts";
import type { LiveUpdate } from "../../lib/domain/sale.ts";

const POLL_MS = 2000;
const REOPEN_MS = 10_000;

export interface LiveHandlers {
  /** Each message of the stream (or poll while it is down). */
  update(u: LiveUpdate): void;
  /** The sale again, fetched when an update's status says its window changed. */
  sale(s: SaleData): void;
}

/**
 * Keeps a sale page live: the sale's event stream, and polling while the stream is down (it
 * reconnects by itself; a closed one is reopened after a while). Returns whether the stream is
 * open, so a page can fall back to asking for what only the stream tells.
 */
export function useLiveSale(sale: SaleData, handlers: LiveHandlers): boolean {
  const latest = useRef({ sale, handlers });
  latest.current = { sale, handlers };
  const [streaming, setStreaming] = useState(false);
  useEffect(() => {
    let stream: EventSource | null = null;
    let poll: ReturnType<typeof setInterval> | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    const receive = (u: LiveUpdate) => {
      const { sale, handlers } = latest.current;
      handlers.update(u);
      // A status our clock does not expect means the window changed: fetch the new one.
      if (u.status !== statusAt(Date.parse(u.serverTime), sale.startTime, sale.endTime)) {
        void requestJson<SaleData>(`/api/sales/${sale.id}`).then(({ status, body }) => {
          if (status === 200) latest.current.handlers.sale(body);
        }).catch(() => {});
      }
    };
    const pollOnce = async () => {
      try {
        const { status, body } = await requestJson<LiveUpdate>(`/api/sales/${sale.id}`);
        if (status === 200) receive(body);
      } catch { /* still offline */ }
    };
    const startPolling = () => {
      poll ??= setInterval(pollOnce, POLL_MS);
    };
    const stopPolling = () => {
      clearInterval(poll);
      poll = undefined;
    };
    const open = () => {
      stream = new EventSource(`/api/sales/${sale.id}/events`);
      stream.addEventListener("sale", (e) => receive(JSON.parse((e as MessageEvent).data)));
      stream.onopen = () => {
        stopPolling();
        setStreaming(true);
      };
      stream.onerror = () => {
        setStreaming(false);
        startPolling();
        if (stream?.readyState === EventSource.CLOSED) {
          stream.close();
          reopen = setTimeout(open, REOPEN_MS);
        }
      };
    };
    open();
    return () => {
      stream?.close();
      stopPolling();
      clearTimeout(reopen);
    };
  }, [sale.id]);
  return streaming;
}
