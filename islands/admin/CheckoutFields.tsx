/// <reference lib="dom" />
import { Field } from "./Field.tsx";
import type { FormErrors, FormValues } from "./form_values.ts";

/**
 * The sale form's checkout: on or off, and the hold while on (docs/checkout.md; range:
 * lib/domain/input.ts).
 */
export function CheckoutFields(props: {
  values: FormValues;
  errors: FormErrors;
  set: (k: keyof FormValues, v: string) => void;
}) {
  const { values, errors, set } = props;
  const on = values.checkout === "on";
  const error = errors.checkout;
  return (
    <fieldset class="room-fields" data-testid="checkout-fields">
      <legend>Checkout</legend>
      <label class="check">
        <input
          type="checkbox"
          id="sale-checkout"
          name="checkout"
          checked={on}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "sale-checkout-error" : "sale-checkout-hint"}
          onChange={(e) => set("checkout", e.currentTarget.checked ? "on" : "")}
        />
        Hold each order until it is paid
      </label>
      {error
        ? <span class="error-text" id="sale-checkout-error">{error}</span>
        : (
          <span class="hint" id="sale-checkout-hint">
            Unpaid by the deadline, the item goes back to the stock for the next shopper.
          </span>
        )}
      {on && (
        <div class="room-grid">
          <Field
            name="holdSeconds"
            label="Hold (s)"
            hint="30 to 3600 seconds to pay"
            type="number"
            values={values}
            errors={errors}
            set={set}
          />
        </div>
      )}
    </fieldset>
  );
}
