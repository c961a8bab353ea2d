import { useState } from "preact/hooks";
import type { SaleData } from "../parts/api.ts";
import { adminApi } from "./api.ts";
import {
  emptyForm,
  errorsOf,
  type FormErrors,
  formOf,
  type FormValues,
  payload,
} from "./form_values.ts";

/** Which sale the form edits: a new one, one by id, or none (the form is closed). */
export type Editing = "new" | number | null;

/**
 * The form that creates or edits a sale: its values, its errors, and saving it. A saved sale is
 * handed to `onSaved`, which the form waits for before it takes new input.
 */
export function useSaleForm(options: {
  sales: SaleData[];
  setBusy: (busy: boolean) => void;
  onSaved: (sale: SaleData, created: boolean) => Promise<void>;
}) {
  const [editing, setEditing] = useState<Editing>(null);
  const [values, setValues] = useState<FormValues>(emptyForm());
  const [errors, setErrors] = useState<FormErrors>({});

  const open = (target: "new" | number) => {
    const sale = options.sales.find((s) => s.id === target);
    setEditing(target);
    setValues(sale ? formOf(sale) : emptyForm());
    setErrors({});
  };

  const close = () => setEditing(null);

  /** A change of an input; its message, about what was there before, goes. */
  const set = (k: keyof FormValues, v: string) => {
    setValues((old) => ({ ...old, [k]: v }));
    setErrors((old) => {
      if (!(k in old)) return old;
      const { [k]: _gone, ...rest } = old;
      return rest;
    });
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const sale = options.sales.find((s) => s.id === editing);
    const body = payload(values, sale ? formOf(sale) : null);
    if (sale && Object.keys(body).length === 0) {
      setErrors({ form: "Nothing changed." });
      return;
    }
    options.setBusy(true);
    try {
      const r = editing === "new"
        ? await adminApi<SaleData>("/api/admin/sales", "POST", body)
        : await adminApi<SaleData>(`/api/admin/sales/${editing}`, "PATCH", body);
      if (r.status === 200 || r.status === 201) {
        setEditing(null);
        await options.onSaved(r.body, editing === "new");
        return;
      }
      setErrors(errorsOf(r.status, r.body));
    } catch {
      setErrors({ form: "Could not reach the server." });
    } finally {
      options.setBusy(false);
    }
  };

  return { editing, values, errors, open, close, set, save };
}
