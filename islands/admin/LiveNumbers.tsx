import type { Stats } from "./use_sales.ts";

/** The watched sale's numbers; a dash until its first reading. */
export function LiveNumbers(props: { stats: Stats | null; rate: number }) {
  const { stats } = props;
  return (
    <div class="metrics">
      <div class="metric">
        <span class="metric-label">Sold</span>
        <span class="metric-value" data-testid="live-sold">{stats ? stats.sold : "–"}</span>
      </div>
      <div class="metric">
        <span class="metric-label">Remaining</span>
        <span class="metric-value" data-testid="live-remaining">
          {stats ? stats.remainingStock : "–"}
        </span>
      </div>
      <div class="metric">
        <span class="metric-label">Orders</span>
        <span class="metric-value">{stats ? stats.orders : "–"}</span>
      </div>
      <div class="metric">
        <span class="metric-label">Purchases / s</span>
        <span class="metric-value">{props.rate.toFixed(1)}</span>
      </div>
    </div>
  );
}
