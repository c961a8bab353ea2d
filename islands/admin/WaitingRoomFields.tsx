/// <reference lib="dom" />
import { Field } from "./Field.tsx";
import { OptionalSettings } from "./OptionalSettings.tsx";
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
  return (
    <OptionalSettings
      name="waitingRoom"
      legend="Waiting room"
      label="Admit shoppers through a waiting room"
      hint="A line that opens before the start; early arrivals are shuffled at the start."
      testId="waiting-room-fields"
      values={values}
      errors={errors}
      set={set}
    >
      {SETTINGS.map((f) => (
        <Field key={f.name} {...f} type="number" values={values} errors={errors} set={set} />
      ))}
    </OptionalSettings>
  );
}
