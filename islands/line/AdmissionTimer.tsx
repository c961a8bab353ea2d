import { DeadlineTimer } from "../parts/DeadlineTimer.tsx";

/** The time left to buy once admitted, on the server's clock. */
export function AdmissionTimer(props: { expiresAtMs: number; nowMs: number; ttlSeconds: number }) {
  return (
    <DeadlineTimer
      label="Buy within"
      purpose="to buy"
      expiresAtMs={props.expiresAtMs}
      nowMs={props.nowMs}
      totalSeconds={props.ttlSeconds}
      testId="admission-timer"
    />
  );
}
