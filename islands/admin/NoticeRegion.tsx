/** A sentence about the last change the console made. */
export interface Notice {
  tone: "success" | "danger";
  text: string;
}

/** Where the console's notices appear; screen readers announce them. */
export function NoticeRegion(props: { notice: Notice | null }) {
  return (
    <div class="notice-region" role="status" aria-live="polite" data-testid="admin-notice">
      {props.notice && <p class={`notice notice-${props.notice.tone}`}>{props.notice.text}</p>}
    </div>
  );
}
