import { formatTime, numberFormat } from "../parts/format.ts";
import type { TicketView } from "./api.ts";

/**
 * A waiting ticket: before the draw, that its number comes at the start; then its place, counted
 * live from the line's progress (`served`, from the sale's event stream) when the page has it.
 */
export function PlaceInLine(props: {
  ticket: TicketView;
  served: number | null;
  startTime: string;
  zone: string | undefined;
}) {
  const t = props.ticket;
  if (t.number === null) {
    return (
      <div class="line-step" data-testid="line-drawing">
        <strong class="line-step-title">You are in the line</strong>
        <p class="panel-note">
          The order of everyone who joined before the start is drawn at random when the sale starts,
          {" "}
          {formatTime(props.startTime, props.zone)}. Keep this page open: your number shows here
          then.
        </p>
      </div>
    );
  }
  const position = props.served === null ? t.position ?? 1 : Math.max(1, t.number - props.served);
  const progress = Math.min(1, (t.number - position) / t.number);
  return (
    <div class="line-step" data-testid="line-position">
      <p class="line-spot">
        You are number <strong class="line-spot-number">{numberFormat.format(position)}</strong>
        {" "}
        in line
      </p>
      <div class="meter" aria-hidden="true">
        <span style={{ width: `${(progress * 100).toFixed(1)}%` }} />
      </div>
      <p class="panel-note">
        {position === 1 ? "You are next." : `${numberFormat.format(position - 1)} ahead of you.`}
        {" "}
        Keep this page open: the Buy button appears here when it is your turn.
      </p>
    </div>
  );
}
