import { useServerNow } from "./parts/clock.ts";
import { DeadlineTimer } from "./parts/DeadlineTimer.tsx";

export interface HoldCountdownProps {
  saleId: number;
  createdAt: string;
  holdExpiresAt: string;
  serverTime: string;
}

/** The test checkout's time left to pay a held order, on the server's clock. */
export default function HoldCountdown(props: HoldCountdownProps) {
  const now = useServerNow(props.serverTime, `/api/sales/${props.saleId}`);
  const deadline = Date.parse(props.holdExpiresAt);
  return (
    <DeadlineTimer
      label={now >= deadline ? "The time to pay is up" : "Pay within"}
      purpose="to pay"
      expiresAtMs={deadline}
      nowMs={now}
      totalSeconds={Math.max(1, (deadline - Date.parse(props.createdAt)) / 1000)}
      testId="checkout-timer"
    />
  );
}
