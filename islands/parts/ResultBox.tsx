/// <reference lib="dom" />
import { DeadlineTimer } from "./DeadlineTimer.tsx";
import { formatTime } from "./format.ts";
import { checkoutUrl } from "./hold.ts";
import type { OrderView, ResultView } from "./result.ts";

/**
 * What a checkout sale's result offers around a hold (docs/checkout.md): the time left to pay, Pay
 * and Cancel while it is held, and a new try once it has ended. Cancel and the new try are forms
 * posting to the sale page, so they work without JavaScript too; an island takes them over.
 */
export interface HoldActions {
  nowMs: number;
  /** The time zone dates are shown in: UTC on the server, the browser's once hydrated. */
  zone: string | undefined;
  /** The shop's checkout: a template naming `{orderId}` (and maybe `{saleId}`, `{userId}`). */
  checkoutUrl: string;
  /** Where the forms post without JavaScript: the sale page. */
  formAction: string;
  busy: boolean;
  /** What the new try is called: buying again, or joining the line again. */
  retryLabel: string;
  onCancel: (e: SubmitEvent) => void;
  onRetry: (e: SubmitEvent) => void;
}

function OrderList(props: { order: OrderView; zone?: string | undefined; payBy?: boolean }) {
  const { order } = props;
  return (
    <dl class="order">
      <dt>Order number</dt>
      <dd>
        <code data-testid="order-id">{order.id}</code>
      </dd>
      <dt>Quantity</dt>
      <dd>{order.quantity}</dd>
      <dt>Status</dt>
      <dd data-testid="order-status">{order.status}</dd>
      {props.payBy && order.holdExpiresAt && (
        <>
          <dt>Pay by</dt>
          <dd>
            <time dateTime={order.holdExpiresAt}>
              {formatTime(order.holdExpiresAt, props.zone)}
            </time>
          </dd>
        </>
      )}
    </dl>
  );
}

/** A held order: the time left to pay, Pay and Cancel; once its time is up, that it is ending. */
function Held(props: { result: ResultView; order: OrderView; until: string; hold: HoldActions }) {
  const { result, order, hold } = props;
  const deadline = Date.parse(props.until);
  if (hold.nowMs >= deadline) {
    return (
      <div class="result result-warning" data-testid="hold-ending">
        <strong class="result-title">Your hold is ending</strong>
        <p>The time to pay is up: the item goes back to the stock.</p>
      </div>
    );
  }
  return (
    <div class="result result-success hold" data-testid="hold">
      <DeadlineTimer
        label={`${result.title}: pay within`}
        purpose="to pay"
        expiresAtMs={deadline}
        nowMs={hold.nowMs}
        totalSeconds={Math.max(1, (deadline - Date.parse(order.createdAt)) / 1000)}
        testId="hold-timer"
      />
      <p>{result.detail}</p>
      <OrderList order={order} zone={hold.zone} payBy />
      <div class="hold-actions">
        <a class="btn btn-buy" href={checkoutUrl(hold.checkoutUrl, order)} data-testid="pay">
          Pay now
        </a>
        <form method="post" action={hold.formAction} onSubmit={hold.onCancel}>
          <input type="hidden" name="userId" value={order.userId} />
          <button
            class="btn btn-link"
            type="submit"
            name="intent"
            value="cancel"
            disabled={hold.busy}
            data-testid="cancel-hold"
          >
            Cancel my hold
          </button>
        </form>
      </div>
    </div>
  );
}

/** The answer to the shopper's last action, with the order when there is one; read out politely. */
export function ResultBox(props: { result: ResultView | null; hold?: HoldActions }) {
  const { result, hold } = props;
  const order = result?.order;
  const ended = order?.status === "expired" || order?.status === "cancelled";
  return (
    <div class="result-region" role="status" aria-live="polite" data-testid="result">
      {result && hold && order?.status === "held" && order.holdExpiresAt
        ? <Held result={result} order={order} until={order.holdExpiresAt} hold={hold} />
        : result && (
          <div class={`result result-${result.tone}`}>
            <strong class="result-title">{result.title}</strong>
            <p>{result.detail}</p>
            {order && <OrderList order={order} />}
            {hold && order && ended && (
              <form
                class="hold-actions"
                method="post"
                action={hold.formAction}
                onSubmit={hold.onRetry}
              >
                <input type="hidden" name="userId" value={order.userId} />
                <input type="hidden" name="quantity" value={order.quantity} />
                <button
                  class="btn"
                  type="submit"
                  name="intent"
                  value="buy"
                  disabled={hold.busy}
                  data-testid="retry"
                >
                  {hold.retryLabel}
                </button>
              </form>
            )}
          </div>
        )}
    </div>
  );
}
