import { useServerNow } from "./parts/clock.ts";
import { partsUntil, shortDuration, statusAt } from "./parts/format.ts";
import { StatusBadge } from "./parts/StatusBadge.tsx";

export interface CountdownProps {
  saleId: number;
  startTime: string;
  endTime: string;
  serverTime: string;
}

/** A sale card's status and the time to its start or end, on the server's clock. */
export default function Countdown(props: CountdownProps) {
  const now = useServerNow(props.serverTime, `/api/sales/${props.saleId}`);
  const status = statusAt(now, props.startTime, props.endTime);
  const target = status === "UPCOMING" ? props.startTime : props.endTime;
  return (
    <div class="card-clock">
      <StatusBadge status={status} />
      {status !== "ENDED" && (
        <span class="card-time">
          {status === "UPCOMING" ? "Starts in " : "Ends in "}
          <span class="mono">{shortDuration(partsUntil(Date.parse(target), now))}</span>
        </span>
      )}
    </div>
  );
}
