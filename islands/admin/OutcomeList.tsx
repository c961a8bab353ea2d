import { numberFormat } from "../parts/format.ts";

/** How many purchase attempts ended in each outcome, by every server process, since the last reset. */
export function OutcomeList(props: { outcomes: Record<string, number> }) {
  const entries = Object.entries(props.outcomes);
  return (
    <ul class="outcomes" aria-label="Outcomes since the last reset">
      {entries.length === 0 && <li class="muted">No purchase attempts yet</li>}
      {entries.sort().map(([code, n]) => (
        <li key={code}>
          <span class="outcome-code">{code}</span>
          <span class="outcome-n">{numberFormat.format(n)}</span>
        </li>
      ))}
    </ul>
  );
}
