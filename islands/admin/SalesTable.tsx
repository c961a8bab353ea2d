import type { SaleData } from "../parts/api.ts";
import { formatTime, numberFormat, statusAt } from "../parts/format.ts";
import { StatusBadge } from "../parts/StatusBadge.tsx";
import { rateOf, soldOf, type SoldPerSecond } from "./sold_history.ts";

/** Every sale with its live numbers; a row opens the sale's live panel or its form. */
export function SalesTable(props: {
  sales: SaleData[];
  selected: number | null;
  /** The server's time of the last reading (0 before the first), for the status badges. */
  now: number;
  history: SoldPerSecond;
  /** The browser's current second, which the history's seconds are counted in. */
  second: number;
  onLive: (id: number) => void;
  onEdit: (id: number) => void;
}) {
  return (
    <div class="table-wrap">
      <table class="sales-table">
        <caption class="visually-hidden">Sales</caption>
        <thead>
          <tr>
            <th scope="col">Sale</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Sold</th>
            <th scope="col" class="num">Left</th>
            <th scope="col" class="num">Per s</th>
            <th scope="col" class="window">Window</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.sales.map((s) => (
            <tr
              key={s.id}
              class={s.id === props.selected ? "row-selected" : ""}
              data-testid={`admin-sale-${s.id}`}
            >
              <th scope="row">
                <a href={`/sales/${s.id}`}>{s.name}</a>
                <span class="muted">#{s.id}</span>
                {s.waitingRoom && (
                  <span class="room-mark" data-testid="admin-room">Waiting room</span>
                )}
              </th>
              <td>
                <StatusBadge status={statusAt(props.now || Date.now(), s.startTime, s.endTime)} />
              </td>
              <td class="num" data-testid="admin-sold">{numberFormat.format(soldOf(s))}</td>
              <td class="num" data-testid="admin-remaining">
                {numberFormat.format(s.remainingStock)}
              </td>
              <td class="num">{rateOf(props.history, s.id, props.second).toFixed(1)}</td>
              <td class="window">
                {formatTime(s.startTime)} → {formatTime(s.endTime)}
              </td>
              <td class="actions">
                <button
                  class="btn btn-small btn-quiet"
                  type="button"
                  onClick={() => props.onLive(s.id)}
                >
                  Live
                </button>
                <button
                  class="btn btn-small btn-quiet"
                  type="button"
                  onClick={() => props.onEdit(s.id)}
                >
                  Edit
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
