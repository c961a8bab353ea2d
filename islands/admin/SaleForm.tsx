import { Field } from "./Field.tsx";
import type { FormErrors, FormValues } from "./form_values.ts";
import { WaitingRoomFields } from "./WaitingRoomFields.tsx";
import { CheckoutFields } from "./CheckoutFields.tsx";

/** The form that creates a sale (`editing` "new") or edits one (its id). */
export function SaleForm(props: {
  editing: "new" | number;
  values: FormValues;
  errors: FormErrors;
  busy: boolean;
  set: (k: keyof FormValues, v: string) => void;
  onSubmit: (e: Event) => void;
  onCancel: () => void;
}) {
  const { editing, values, errors, set } = props;
  return (
    <form
      class="sale-form card-plain"
      onSubmit={props.onSubmit}
      noValidate
      aria-labelledby="form-title"
    >
      <h2 id="form-title">{editing === "new" ? "New sale" : `Edit sale #${editing}`}</h2>
      <div class="form-grid">
        <Field name="name" label="Name" values={values} errors={errors} set={set} />
        <Field
          name="totalStock"
          label="Total stock"
          type="number"
          values={values}
          errors={errors}
          set={set}
        />
        <Field
          name="perUserLimit"
          label="Limit per shopper"
          type="number"
          values={values}
          errors={errors}
          set={set}
        />
        <Field
          name="startTime"
          label="Starts"
          type="datetime-local"
          values={values}
          errors={errors}
          set={set}
          hint="Your local time"
        />
        <Field
          name="endTime"
          label="Ends"
          type="datetime-local"
          values={values}
          errors={errors}
          set={set}
          hint="Your local time"
        />
        <Field
          name="description"
          label="Description"
          multiline
          values={values}
          errors={errors}
          set={set}
        />
      </div>
      <WaitingRoomFields values={values} errors={errors} set={set} />
      <CheckoutFields values={values} errors={errors} set={set} />
      {errors.form && <p class="notice notice-danger" role="alert">{errors.form}</p>}
      <div class="form-actions">
        <button class="btn" type="submit" disabled={props.busy}>
          {editing === "new" ? "Create sale" : "Save changes"}
        </button>
        <button class="btn btn-quiet" type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
