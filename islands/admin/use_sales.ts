/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";
import type { SaleData } from "../parts/api.ts";
import { adminApi } from "./api.ts";
import { addSold, soldOf, type SoldPerSecond } from "./sold_history.ts";
import type { LineStats } from "../../lib/line/line.ts";
import type { HoldCounts, LatePayment } from "../../lib/checkout/holds.ts";

/** The watched sale's numbers, as `/api/admin/sales/:id/stats` returns them. */
export interface Stats {
  sale: SaleData;
  sold: number;
  orders: number;
  remainingStock: number;
  outcomes: Record<string, number>;
  /** The waiting room's line; null for a sale without one. */
  queue: LineStats | null;
  /** A checkout sale's orders by status; null for a sale without checkout. */
  holds: HoldCounts | null;
  /** Payments that came after their hold had ended: each is owed a refund. */
  latePayments: LatePayment[];
}

const POLL_MS = 1000;

/**
 * The sales list and the watched sale's stats, read every second, with what each sale sold per
 * second since the console opened.
 */
export function useSales(initial: SaleData[]) {
  const [sales, setSales] = useState(initial);
  const [selected, setSelected] = useState<number | null>(initial[0]?.id ?? null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [history, setHistory] = useState<SoldPerSecond>({});
  const [now, setNow] = useState(Date.parse(initial[0]?.serverTime ?? "") || 0);
  // The page's own numbers are the first reading: what sells after it shows on the chart.
  const lastSold = useRef(new Map(initial.map((s) => [s.id, soldOf(s)])));
  const watched = useRef(selected);
  const reads = useRef<Promise<void>>(Promise.resolve());
  const pendingReads = useRef(0);

  /**
   * One reading of the sales list and of the watched sale's stats. The table row of the watched
   * sale takes the stats' numbers, so the row and the panel never disagree; what a sale sold
   * since its last reading goes to the chart in the current second.
   */
  const readOnce = async () => {
    const id = watched.current;
    const list = await adminApi<{ sales: SaleData[] }>("/api/sales");
    // Read after the list, so the stats are the newer reading of the watched sale.
    const detail = id === null ? null : await adminApi<Stats>(`/api/admin/sales/${id}/stats`);
    const stale = id !== watched.current;
    const fresh = new Map<number, SaleData>();
    if (list.status === 200) { for (const s of list.body.sales) fresh.set(s.id, s); }
    if (detail?.status === 200 && !stale) fresh.set(detail.body.sale.id, detail.body.sale);
    const added = new Map<number, number>();
    for (const s of fresh.values()) {
      const before = lastSold.current.get(s.id);
      lastSold.current.set(s.id, soldOf(s));
      // Less than before is a reset: nothing sold, and the new count is the next reading's base.
      if (before !== undefined && soldOf(s) > before) added.set(s.id, soldOf(s) - before);
    }
    setHistory((h) => addSold(h, added, Math.floor(Date.now() / 1000)));
    if (list.status === 200) {
      setSales(list.body.sales.map((s) => fresh.get(s.id) ?? s));
      setNow(Date.parse(list.body.sales[0]?.serverTime ?? "") || Date.now());
    } else setSales((old) => old.map((s) => fresh.get(s.id) ?? s));
    if (detail?.status === 200 && !stale) setStats(detail.body);
  };

  /**
   * Readings run one after another: one that started earlier but answered later would take a
   * sale's count back and count its sales twice on the chart.
   */
  const refresh = () => {
    pendingReads.current += 1;
    reads.current = reads.current.then(readOnce).catch(() => {}).finally(() => {
      pendingReads.current -= 1;
    });
    return reads.current;
  };

  useEffect(() => {
    setNow(Date.now());
    void refresh();
    const timer = setInterval(() => {
      if (pendingReads.current === 0) void refresh();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  /** Watches another sale: its stats are unknown until the next reading. */
  const select = (id: number) => {
    watched.current = id;
    setSelected(id);
    setStats(null);
    void refresh();
  };

  return { sales, selected, stats, history, now, select, refresh };
}
