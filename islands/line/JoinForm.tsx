import { formatTime } from "../parts/format.ts";
import { UserIdField } from "../parts/UserIdField.tsx";

/**
 * The line's door: before the line opens, when it does; then the User ID and "Join the line" (or
 * "Join again" after a lost ticket), with what joining before or after the start means.
 */
export function JoinForm(props: {
  again: boolean;
  opensAtMs: number;
  nowMs: number;
  upcoming: boolean;
  prequeueMinutes: number;
  zone: string | undefined;
  userId: string;
  onUserId: (value: string) => void;
  onSubmit: (e: SubmitEvent) => void;
}) {
  if (props.nowMs < props.opensAtMs) {
    return (
      <p class="panel-note" data-testid="line-closed">
        This sale has a waiting room. Its line opens {formatTime(
          new Date(props.opensAtMs).toISOString(),
          props.zone,
        )}, {props.prequeueMinutes} minutes before the sale: this page lets you join then.
      </p>
    );
  }
  return (
    <form class="line-join" onSubmit={props.onSubmit}>
      <p class="panel-note">
        {props.upcoming
          ? "This sale has a waiting room, and its line is open. Everyone who joins before " +
            "the start gets a place drawn at random when the sale starts: no need to rush."
          : "This sale has a waiting room: join the line, and the Buy button appears here " +
            "when it is your turn. Places go in order of arrival."}
      </p>
      <UserIdField value={props.userId} onInput={props.onUserId} />
      <button class="btn btn-buy btn-block" type="submit" data-testid="join">
        {props.again ? "Join again" : "Join the line"}
      </button>
    </form>
  );
}
