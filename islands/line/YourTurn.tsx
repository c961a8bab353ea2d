import { QuantityField } from "../parts/QuantityField.tsx";
import { holdTime } from "../parts/format.ts";
import { AdmissionTimer } from "./AdmissionTimer.tsx";
import type { TicketView } from "./api.ts";

/** An admitted ticket: the time left on the admission, the quantity and "Buy now". */
export function YourTurn(props: {
  ticket: TicketView;
  nowMs: number;
  ttlSeconds: number;
  perUserLimit: number;
  quantity: number;
  onQuantity: (value: number) => void;
  buying: boolean;
  onBuy: () => void;
  /** A checkout sale's hold: how long a bought item waits for its payment. */
  holdSeconds: number | null;
}) {
  const expiresAt = props.ticket.admissionExpiresAt;
  return (
    <div class="line-step line-turn" data-testid="line-turn">
      <strong class="line-step-title">It is your turn</strong>
      {expiresAt && (
        <AdmissionTimer
          expiresAtMs={Date.parse(expiresAt)}
          nowMs={props.nowMs}
          ttlSeconds={props.ttlSeconds}
        />
      )}
      <div class="buy-row">
        <QuantityField
          limit={props.perUserLimit}
          value={props.quantity}
          disabled={props.buying}
          onChange={props.onQuantity}
        />
        <button
          class="btn btn-buy"
          type="button"
          disabled={props.buying}
          onClick={props.onBuy}
          data-testid="buy"
        >
          {props.buying ? "Buying…" : "Buy now"}
        </button>
      </div>
      {props.holdSeconds !== null && (
        <p class="line-hold-note">
          Once bought, it is held for you for {holdTime(props.holdSeconds)} while you pay.
        </p>
      )}
    </div>
  );
}
