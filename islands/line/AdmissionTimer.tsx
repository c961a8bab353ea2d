import { pad2 } from "../parts/format.ts";

/** The time left to buy once admitted, on the server's clock, as m:ss and a shrinking bar. */
export function AdmissionTimer(props: { expiresAtMs: number; nowMs: number; ttlSeconds: number }) {
  const left = Math.max(0, Math.ceil((props.expiresAtMs - props.nowMs) / 1000));
  const share = Math.min(1, left / props.ttlSeconds);
  const minutes = Math.floor(left / 60);
  const seconds = left % 60;
  return (
    <div class="turn-timer" data-testid="admission-timer">
      <div class="turn-timer-line">
        <span>Buy within</span>
        <strong
          class="turn-timer-time"
          role="timer"
          aria-label={`${minutes} minutes ${seconds} seconds left to buy`}
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
