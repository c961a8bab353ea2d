/// <reference lib="dom" />
import { Field } from "./Field.tsx";
import type { FormErrors, FormValues } from "./form_values.ts";

/** The waiting room's settings, as the form asks for them (ranges: lib/domain/input.ts). */
const SETTINGS: readonly {
  name: keyof FormValues;
  label: string;
  hint: string;
  step?: string;
}[] = [
  {
    name: "powBits",
    label: "Proof of work (bits)",
    hint: "0 to 24; each bit doubles a joiner's work",
  },
  {
    name: "admissionTtlSeconds",
    label: "Admission lifetime (s)",
    hint: "10 to 900 seconds to buy once admitted",
  },
  {
    name: "overbook",
    label: "Overbook",
    hint: "1.0 to 3.0 admissions per item left",
    step: "0.1",
  },
  { name: "prequeueMinutes", label: "Pre-queue (min)", hint: "0 to 1440 minutes before the start" },
];

/** The sale form's waiting room: on or off, and its settings while on (docs/waiting-room.md). */
export function WaitingRoomFields(props: {
  values: FormValues;
  errors: FormErrors;
  set: (k: keyof FormValues, v: string) => void;
}) {
  const { values, errors, set } = props;
  const on = values.waitingRoom === "on";
  const error = errors.waitingRoom;
  return (
    <fieldset class="room-fields" data-testid="waiting-room-fields">
      <legend>Waiting room</legend>
      <label class="check">
        <input
          type="checkbox"
          id="sale-waitingRoom"
          name="waitingRoom"
          checked={on}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "sale-waitingRoom-error" : "sale-waitingRoom-hint"}
          onChange={(e) => set("waitingRoom", e.currentTarget.checked ? "on" : "")}
        />
        Admit shoppers through a waiting room
      </label>
      {error
        ? <span class="error-text" id="sale-waitingRoom-error">{error}</span>
        : (
          <span class="hint" id="sale-waitingRoom-hint">
            A line that opens before the start; early arrivals are shuffled at the start.
          </span>
        )}
      {on && (
        <div class="room-grid">
          {SETTINGS.map((f) => (
            <Field
              key={f.name}
              {...f}
              type="number"
              values={values}
              errors={errors}
              set={set}
            />
          ))}
        </div>
      )}
    </fieldset>
  );
}
