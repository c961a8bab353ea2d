/// <reference lib="dom" />
import type { ComponentChildren } from "preact";
import type { FormErrors, FormValues } from "./form_values.ts";

/**
 * A sale's optional feature in the form (the waiting room, checkout): a checkbox that turns it on,
 * its hint or the API's error, and its settings while on.
 */
export function OptionalSettings(props: {
  name: "waitingRoom" | "checkout";
  legend: string;
  label: string;
  hint: string;
  testId: string;
  values: FormValues;
  errors: FormErrors;
  set: (k: keyof FormValues, v: string) => void;
  children: ComponentChildren;
}) {
  const { name, values, errors, set } = props;
  const on = values[name] === "on";
  const error = errors[name];
  return (
    <fieldset class="room-fields" data-testid={props.testId}>
      <legend>{props.legend}</legend>
      <label class="check">
        <input
          type="checkbox"
          id={`sale-${name}`}
          name={name}
          checked={on}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `sale-${name}-error` : `sale-${name}-hint`}
          onChange={(e) => set(name, e.currentTarget.checked ? "on" : "")}
        />
        {props.label}
      </label>
      {error
        ? <span class="error-text" id={`sale-${name}-error`}>{error}</span>
        : <span class="hint" id={`sale-${name}-hint`}>{props.hint}</span>}
      {on && <div class="room-grid">{props.children}</div>}
    </fieldset>
  );
}
