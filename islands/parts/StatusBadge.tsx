import { type Status, STATUS_LABEL } from "./format.ts";

export function StatusBadge(props: { status: Status }) {
  return (
    <span class={`badge badge-${props.status.toLowerCase()}`} data-testid="status">
      {props.status === "ACTIVE" && <span class="badge-dot" aria-hidden="true" />}
      {STATUS_LABEL[props.status]}
    </span>
  );
}
