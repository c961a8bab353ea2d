import type { Drift } from "../../lib/domain/drift.ts";
import type { SaleData } from "../parts/api.ts";
import { DriftReport } from "./DriftReport.tsx";
import { LineNumbers } from "./LineNumbers.tsx";
import { HoldNumbers } from "./HoldNumbers.tsx";
import { LiveNumbers } from "./LiveNumbers.tsx";
import { OutcomeList } from "./OutcomeList.tsx";
import { PurchasesChart } from "./PurchasesChart.tsx";
import { CHART_SECONDS, lastSeconds, rateOf, type SoldPerSecond } from "./sold_history.ts";
import type { Stats } from "./use_sales.ts";

/**
 * The watched sale: its live numbers, its waiting room's line, its checkout's holds, chart and
 * outcomes, and its reset and reconcile.
 */
export function LivePanel(props: {
  sale: SaleData;
  stats: Stats | null;
  history: SoldPerSecond;
  /** The browser's current second, which the history's seconds are counted in. */
  second: number;
  drift: Drift | null;
  confirmReset: boolean;
  busy: boolean;
  setConfirmReset: (asking: boolean) => void;
  act: (kind: "reset" | "reconcile") => void;
}) {
  const { sale, history, second } = props;
  return (
    <section class="live card-plain" aria-labelledby="live-title" data-testid="admin-live">
      <div class="live-head">
        <h2 id="live-title">
          {sale.name} <span class="muted">#{sale.id}</span>
        </h2>
        <div class="live-actions">
          {props.confirmReset
            ? (
              <>
                <span class="confirm-text">Clear all orders of this sale?</span>
                <button
                  class="btn btn-danger btn-small"
                  type="button"
                  onClick={() => props.act("reset")}
                >
                  Yes, reset
                </button>
                <button
                  class="btn btn-quiet btn-small"
                  type="button"
                  onClick={() => props.setConfirmReset(false)}
                >
                  Keep
                </button>
              </>
            )
            : (
              <button
                class="btn btn-quiet btn-small"
                type="button"
                disabled={props.busy}
                onClick={() => props.setConfirmReset(true)}
              >
                Reset
              </button>
            )}
          <button
            class="btn btn-quiet btn-small"
            type="button"
            disabled={props.busy}
            onClick={() => props.act("reconcile")}
          >
            Reconcile
          </button>
        </div>
      </div>
      <LiveNumbers stats={props.stats} rate={rateOf(history, sale.id, second)} />
      {props.stats?.queue && <LineNumbers line={props.stats.queue} />}
      {props.stats?.holds && (
        <HoldNumbers holds={props.stats.holds} late={props.stats.latePayments} />
      )}
      <div class="live-body">
        <PurchasesChart points={lastSeconds(history, sale.id, second, CHART_SECONDS)} />
        <OutcomeList outcomes={props.stats?.outcomes ?? {}} />
      </div>
      {props.drift && <DriftReport drift={props.drift} />}
    </section>
  );
}
