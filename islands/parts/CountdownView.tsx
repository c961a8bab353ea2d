import { pad2, partsUntil } from "./format.ts";

/** Days, hours, minutes and seconds to `targetMs`, in fixed-width cells. */
export function CountdownView(props: { label: string; targetMs: number; nowMs: number }) {
  const p = partsUntil(props.targetMs, props.nowMs);
  const cells: [string, string][] = [
    [String(p.days), p.days === 1 ? "day" : "days"],
    [pad2(p.hours), "hours"],
    [pad2(p.minutes), "min"],
    [pad2(p.seconds), "sec"],
  ];
  const spoken = `${p.days} days ${p.hours} hours ${p.minutes} minutes ${p.seconds} seconds`;
  return (
    <div class="countdown" data-testid="countdown">
      <span class="countdown-label">{props.label}</span>
      <div class="countdown-cells" role="timer" aria-label={`${props.label} ${spoken}`}>
        {cells.map(([value, unit]) => (
          <span class="countdown-cell" key={unit}>
            <span class="countdown-value" aria-hidden="true">{value}</span>
            <span class="countdown-unit" aria-hidden="true">{unit}</span>
          </span>
        ))}
      </div>
    </div>
  );
}
