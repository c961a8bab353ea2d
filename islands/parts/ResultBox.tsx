import type { ResultView } from "./result.ts";

/** The answer to the shopper's last action, with the order when there is one; read out politely. */
export function ResultBox(props: { result: ResultView | null }) {
  const { result } = props;
  return (
    <div class="result-region" role="status" aria-live="polite" data-testid="result">
      {result && (
        <div class={`result result-${result.tone}`}>
          <strong class="result-title">{result.title}</strong>
          <p>{result.detail}</p>
          {result.order && (
            <dl class="order">
              <dt>Order number</dt>
              <dd>
                <code data-testid="order-id">{result.order.id}</code>
              </dd>
              <dt>Quantity</dt>
              <dd>{result.order.quantity}</dd>
              <dt>Status</dt>
              <dd>{result.order.status}</dd>
            </dl>
          )}
        </div>
      )}
    </div>
  );
}
