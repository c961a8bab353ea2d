/// <reference lib="dom" />
import { Field } from "./Field.tsx";
import { OptionalSettings } from "./OptionalSettings.tsx";
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
  return (
    <OptionalSettings
      name="checkout"
      legend="Checkout"
      label="Hold each order until it is paid"
      hint="Unpaid by the deadline, the item goes back to the stock for the next shopper."
      testId="checkout-fields"
      values={values}
      errors={errors}
      set={set}
    >
      <Field
        name="holdSeconds"
        label="Hold (s)"
        hint="30 to 3600 seconds to pay"
        type="number"
        values={values}
        errors={errors}
        set={set}
      />
    </OptionalSettings>
  );
}
