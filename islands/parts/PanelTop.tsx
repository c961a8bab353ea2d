import type { SaleData } from "./api.ts";
import { CountdownView } from "./CountdownView.tsx";
import { formatTime, type Status } from "./format.ts";
import { StatusBadge } from "./StatusBadge.tsx";
import { StockBar } from "./StockBar.tsx";

/** The top of a sale's panel: status, limit, the countdown (or when it ended) and the stock. */
export function PanelTop(
  props: {
    sale: SaleData;
    status: Status;
    nowMs: number;
    zone: string | undefined;
    remaining: number;
  },
) {
  const { sale, status, nowMs, zone, remaining } = props;
  return (
    <>
      <div class="panel-head">
        <StatusBadge status={status} />
        <span class="panel-limit">Limit {sale.perUserLimit} per shopper</span>
      </div>

      {status === "UPCOMING" && (
        <CountdownView label="Starts in" targetMs={Date.parse(sale.startTime)} nowMs={nowMs} />
      )}
      {status === "ACTIVE" && (
        <CountdownView label="Ends in" targetMs={Date.parse(sale.endTime)} nowMs={nowMs} />
      )}
      {status === "ENDED" && (
        <p class="panel-note" data-testid="countdown">
          This sale ended {formatTime(sale.endTime, zone)}.
        </p>
      )}

      <StockBar remaining={remaining} total={sale.totalStock} />
    </>
  );
}
