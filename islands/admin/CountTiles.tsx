import { numberFormat } from "../parts/format.ts";

/** When something happened, to the second, in the admin's zone (a draw, a late payment). */
export const MOMENT = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});

/** A row of labelled counts in the live panel; each value carries its test id. */
export function CountTiles(props: { counts: [label: string, n: number, id: string][] }) {
  return (
    <div class="metrics metrics-line">
      {props.counts.map(([label, n, id]) => (
        <div class="metric" key={id}>
          <span class="metric-label">{label}</span>
          <span class="metric-value" data-testid={id}>{numberFormat.format(n)}</span>
        </div>
      ))}
    </div>
  );
}
