import { pad2 } from "./format.ts";

/**
 * The time left until a deadline on the server's clock, as m:ss and a shrinking bar: an admission's
 * time to buy, a hold's time to pay.
 */
export function DeadlineTimer(props: {
  label: string;
  /** What the time is left for, read out: "to buy", "to pay". */
  purpose: string;
  expiresAtMs: number;
  nowMs: number;
  /** The whole time given, which a full bar stands for. */
  totalSeconds: number;
  testId: string;
}) {
  // The page's clock ticks once a second, so just after the deadline was set it can lag behind
  // the moment it was set: never more than the whole time given shows.
  const left = Math.min(
    Math.ceil(props.totalSeconds),
    Math.max(0, Math.ceil((props.expiresAtMs - props.nowMs) / 1000)),
  );
  const share = Math.min(1, left / props.totalSeconds);
  const minutes = Math.floor(left / 60);
  const seconds = left % 60;
  return (
    <div class="turn-timer" data-testid={props.testId}>
      <div class="turn-timer-line">
        <span>{props.label}</span>
        <strong
          class="turn-timer-time"
          role="timer"
          aria-label={`${minutes} minutes ${seconds} seconds left ${props.purpose}`}
        >
          {minutes}:{pad2(seconds)}
        </strong>
      </div>
      <div class={`meter${share <= 0.25 ? " meter-low" : ""}`} aria-hidden="true">
        <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}
