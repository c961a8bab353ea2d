import { numberFormat } from "./format.ts";

/** Remaining stock as a number and a bar. Fixed-width digits: nothing moves when it changes. */
export function StockBar(props: { remaining: number; total: number; compact?: boolean }) {
  const { remaining, total } = props;
  const share = total > 0 ? Math.min(1, remaining / total) : 0;
  const level = remaining === 0 ? "out" : share <= 0.2 ? "low" : "ok";
  return (
    <div class={`stock stock-${level}${props.compact ? " stock-compact" : ""}`}>
      <div class="stock-line">
        <span class="stock-count">
          <strong data-testid="remaining">{remaining}</strong>
          <span class="stock-of">of {numberFormat.format(total)} left</span>
        </span>
        {level === "low" && <span class="stock-hint">Almost gone</span>}
        {level === "out" && <span class="stock-hint">Sold out</span>}
      </div>
      <div
        class="stock-bar"
        role="progressbar"
        aria-label="Stock remaining"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={remaining}
      >
        <span style={{ width: `${(share * 100).toFixed(2)}%` }} />
      </div>
    </div>
  );
}
