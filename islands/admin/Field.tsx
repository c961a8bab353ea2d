/// <reference lib="dom" />
import type { FormErrors, FormValues } from "./form_values.ts";

/** One input of the sale form, with its label, hint, and error. */
export function Field(
  props: {
    name: keyof FormValues;
    label: string;
    values: FormValues;
    errors: FormErrors;
    set: (k: keyof FormValues, v: string) => void;
    type?: string;
    multiline?: boolean;
    hint?: string;
    /** A number input's step, for one that takes fractions. */
    step?: string;
  },
) {
  const id = `sale-${props.name}`;
  const error = props.errors[props.name];
  const common = {
    id,
    name: props.name,
    value: props.values[props.name],
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
    onInput: (e: Event) => props.set(props.name, (e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={`field${error ? " field-error" : ""}`}>
      <label for={id}>{props.label}</label>
      {props.multiline ? <textarea rows={3} {...common} /> : (
        <input
          type={props.type ?? "text"}
          {...common}
          {...(props.type === "datetime-local" ? { step: 1 } : {})}
          {...(props.step ? { step: props.step } : {})}
        />
      )}
      {props.hint && !error && <span class="hint">{props.hint}</span>}
      {error && <span class="error-text" id={`${id}-error`}>{error}</span>}
    </div>
  );
}
