/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";
import { requestJson, type SaleData } from "./parts/api.ts";
import { formatTime, numberFormat, statusAt } from "./parts/format.ts";
import { StatusBadge } from "./parts/StatusBadge.tsx";
import type { Drift } from "../lib/orders/reconciler.ts";

export interface AdminConsoleProps {
  sales: SaleData[];
}

interface Stats {
  sold: number;
  orders: number;
  remainingStock: number;
  outcomes: Record<string, number>;
}

interface ApiError {
  error?: { code?: string; message?: string; details?: { path?: string; message?: string }[] };
}

type FormValues = Record<
  "name" | "description" | "totalStock" | "perUserLimit" | "startTime" | "endTime",
  string
>;

const POLL_MS = 1000;
const CHART_POINTS = 60;
/** Cookie-authenticated changes carry this header (lib/admin_auth.ts). */
const HEADERS = { "x-requested-with": "flashline" };

function api<T>(path: string, method = "GET", body?: unknown) {
  return requestJson<T & ApiError>(path, {
    method,
    headers: HEADERS,
    ...(body === undefined ? {} : { body }),
  });
}

/** `datetime-local` works in the browser's zone, without one in its value. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

function emptyForm(): FormValues {
  const start = Math.ceil((Date.now() + 10 * 60_000) / 60_000) * 60_000;
  return {
    name: "",
    description: "",
    totalStock: "100",
    perUserLimit: "1",
    startTime: toLocalInput(new Date(start).toISOString()),
    endTime: toLocalInput(new Date(start + 3_600_000).toISOString()),
  };
}

function formOf(s: SaleData): FormValues {
  return {
    name: s.name,
    description: s.description,
    totalStock: String(s.totalStock),
    perUserLimit: String(s.perUserLimit),
    startTime: toLocalInput(s.startTime),
    endTime: toLocalInput(s.endTime),
  };
}

/** The form's values as the API takes them; only the changed ones when editing. */
function payload(v: FormValues, before: FormValues | null): Record<string, unknown> {
  const all: Record<string, unknown> = {
    name: v.name,
    description: v.description,
    totalStock: v.totalStock.trim() === "" ? null : Number(v.totalStock),
    perUserLimit: v.perUserLimit.trim() === "" ? null : Number(v.perUserLimit),
    startTime: v.startTime ? new Date(v.startTime).toISOString() : "",
    endTime: v.endTime ? new Date(v.endTime).toISOString() : "",
  };
  if (!before) return all;
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(v) as (keyof FormValues)[]) {
    if (v[key] !== before[key]) changed[key] = all[key];
  }
  return changed;
}

function Sparkline(props: { points: number[] }) {
  const w = 240, h = 56;
  const max = Math.max(1, ...props.points);
  const step = w / (CHART_POINTS - 1);
  const offset = CHART_POINTS - props.points.length;
  const xy = props.points.map((p, i) =>
    `${((offset + i) * step).toFixed(1)},${(h - 2 - (p / max) * (h - 6)).toFixed(1)}`
  );
  return (
    <figure class="spark-figure">
      <svg
        class="spark"
        viewBox={`0 0 ${w} ${h}`}
        preserveAspectRatio="none"
        role="img"
        aria-label="Purchases per second over the last minute"
      >
        <line x1="0" y1={h - 2} x2={w} y2={h - 2} class="spark-axis" />
        {xy.length > 1 && <polyline points={xy.join(" ")} class="spark-line" />}
      </svg>
      <figcaption class="hint">Purchases per second, last minute · peak {max}/s</figcaption>
    </figure>
  );
}

function Field(
  props: {
    name: keyof FormValues;
    label: string;
    values: FormValues;
    errors: Record<string, string>;
    set: (k: keyof FormValues, v: string) => void;
    type?: string;
    multiline?: boolean;
    hint?: string;
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
        />
      )}
      {props.hint && !error && <span class="hint">{props.hint}</span>}
      {error && <span class="error-text" id={`${id}-error`}>{error}</span>}
    </div>
  );
}

export default function AdminConsole(props: AdminConsoleProps) {
  const [sales, setSales] = useState(props.sales);
  const [selected, setSelected] = useState<number | null>(props.sales[0]?.id ?? null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [rates, setRates] = useState<Record<number, number>>({});
  const [chart, setChart] = useState<number[]>([]);
  const [editing, setEditing] = useState<"new" | number | null>(null);
  const [values, setValues] = useState<FormValues>(emptyForm());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ tone: string; text: string } | null>(null);
  const [drift, setDrift] = useState<Drift | null>(null);
  const [confirmReset, setConfirmReset] = useState(false);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.parse(props.sales[0]?.serverTime ?? "") || 0);
  const lastSold = useRef(new Map<number, { sold: number; at: number }>());
  const lastStats = useRef<{ id: number; sold: number; at: number } | null>(null);

  const loadSales = async () => {
    const r = await api<{ sales: SaleData[] }>("/api/sales");
    if (r.status !== 200) return;
    const at = performance.now();
    const next: Record<number, number> = {};
    for (const s of r.body.sales) {
      const sold = s.totalStock - s.remainingStock;
      const prev = lastSold.current.get(s.id);
      if (prev) next[s.id] = Math.max(0, (sold - prev.sold) / ((at - prev.at) / 1000));
      lastSold.current.set(s.id, { sold, at });
    }
    setRates(next);
    setSales(r.body.sales);
    setNow(Date.parse(r.body.sales[0]?.serverTime ?? "") || Date.now());
  };

  const loadStats = async (id: number) => {
    const r = await api<Stats>(`/api/admin/sales/${id}/stats`);
    if (r.status !== 200) return;
    const at = performance.now();
    const prev = lastStats.current;
    if (prev && prev.id === id) {
      const rate = Math.max(0, (r.body.sold - prev.sold) / ((at - prev.at) / 1000));
      setChart((c) => [...c, Math.round(rate * 10) / 10].slice(-CHART_POINTS));
    }
    lastStats.current = { id, sold: r.body.sold, at };
    setStats(r.body);
  };

  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => {
      void loadSales().catch(() => {});
      if (selected !== null) void loadStats(selected).catch(() => {});
    }, POLL_MS);
    if (selected !== null) void loadStats(selected).catch(() => {});
    return () => clearInterval(timer);
  }, [selected]);

  const select = (id: number) => {
    setSelected(id);
    setStats(null);
    setChart([]);
    setDrift(null);
    setConfirmReset(false);
    lastStats.current = null;
  };

  const openForm = (target: "new" | number) => {
    const sale = sales.find((s) => s.id === target);
    setEditing(target);
    setValues(sale ? formOf(sale) : emptyForm());
    setErrors({});
    setNotice(null);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const sale = sales.find((s) => s.id === editing);
    const body = payload(values, sale ? formOf(sale) : null);
    if (sale && Object.keys(body).length === 0) {
      setErrors({ form: "Nothing changed." });
      return;
    }
    setBusy(true);
    try {
      const r = editing === "new"
        ? await api<SaleData>("/api/admin/sales", "POST", body)
        : await api<SaleData>(`/api/admin/sales/${editing}`, "PATCH", body);
      if (r.status === 200 || r.status === 201) {
        setEditing(null);
        setNotice({
          tone: "success",
          text: editing === "new" ? `Created sale #${r.body.id}.` : `Saved sale #${r.body.id}.`,
        });
        await loadSales();
        select(r.body.id);
        return;
      }
      const found: Record<string, string> = {};
      for (const d of r.body.error?.details ?? []) {
        const key = (d.path ?? "").split(".")[0] || "form";
        found[key] ??= d.message ?? "is not valid";
      }
      if (r.body.error?.code === "STOCK_BELOW_RESERVED") {
        found.totalStock = r.body.error.message ?? "too low";
      }
      if (Object.keys(found).length === 0) {
        found.form = r.body.error?.message ?? `The server answered ${r.status}.`;
      }
      setErrors(found);
    } catch {
      setErrors({ form: "Could not reach the server." });
    } finally {
      setBusy(false);
    }
  };

  const act = async (kind: "reset" | "reconcile") => {
    if (selected === null) return;
    setBusy(true);
    setConfirmReset(false);
    try {
      const r = await api<{ reset?: Drift; drift?: Drift }>(
        `/api/admin/sales/${selected}/${kind}`,
        "POST",
      );
      if (r.status === 200) {
        setDrift(r.body.reset ?? r.body.drift ?? null);
        setNotice({
          tone: "success",
          text: kind === "reset"
            ? `Sale #${selected} reset: orders cleared, stock refilled.`
            : `Sale #${selected} reconciled.`,
        });
        await loadSales();
      } else {
        setNotice({ tone: "danger", text: r.body.error?.message ?? `Failed (${r.status}).` });
      }
    } catch {
      setNotice({ tone: "danger", text: "Could not reach the server." });
    } finally {
      setBusy(false);
    }
  };

  const set = (k: keyof FormValues, v: string) => setValues((old) => ({ ...old, [k]: v }));
  const current = sales.find((s) => s.id === selected);

  return (
    <div class="console">
      <div class="console-head">
        <h1>Sales console</h1>
        <button class="btn" type="button" onClick={() => openForm("new")}>New sale</button>
      </div>

      <div class="notice-region" role="status" aria-live="polite" data-testid="admin-notice">
        {notice && <p class={`notice notice-${notice.tone}`}>{notice.text}</p>}
      </div>

      {editing !== null && (
        <form class="sale-form card-plain" onSubmit={save} noValidate aria-labelledby="form-title">
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
          {errors.form && <p class="notice notice-danger" role="alert">{errors.form}</p>}
          <div class="form-actions">
            <button class="btn" type="submit" disabled={busy}>
              {editing === "new" ? "Create sale" : "Save changes"}
            </button>
            <button
              class="btn btn-quiet"
              type="button"
              onClick={() =>
                setEditing(null)}
            >
              Cancel
            </button>
          </div>
        </form>
      )}

      <div class="table-wrap">
        <table class="sales-table">
          <caption class="visually-hidden">Sales</caption>
          <thead>
            <tr>
              <th scope="col">Sale</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Sold</th>
              <th scope="col" class="num">Left</th>
              <th scope="col" class="num">Per s</th>
              <th scope="col" class="window">Window</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sales.map((s) => (
              <tr
                key={s.id}
                class={s.id === selected ? "row-selected" : ""}
                data-testid={`admin-sale-${s.id}`}
              >
                <th scope="row">
                  <a href={`/sales/${s.id}`}>{s.name}</a>
                  <span class="muted">#{s.id}</span>
                </th>
                <td>
                  <StatusBadge status={statusAt(now || Date.now(), s.startTime, s.endTime)} />
                </td>
                <td class="num">{numberFormat.format(s.totalStock - s.remainingStock)}</td>
                <td class="num" data-testid="admin-remaining">
                  {numberFormat.format(s.remainingStock)}
                </td>
                <td class="num">{(rates[s.id] ?? 0).toFixed(1)}</td>
                <td class="window">
                  {formatTime(s.startTime)} → {formatTime(s.endTime)}
                </td>
                <td class="actions">
                  <button
                    class="btn btn-small btn-quiet"
                    type="button"
                    onClick={() => select(s.id)}
                  >
                    Live
                  </button>
                  <button
                    class="btn btn-small btn-quiet"
                    type="button"
                    onClick={() => openForm(s.id)}
                  >
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {current && (
        <section class="live card-plain" aria-labelledby="live-title" data-testid="admin-live">
          <div class="live-head">
            <h2 id="live-title">
              {current.name} <span class="muted">#{current.id}</span>
            </h2>
            <div class="live-actions">
              {confirmReset
                ? (
                  <>
                    <span class="confirm-text">Clear all orders of this sale?</span>
                    <button
                      class="btn btn-danger btn-small"
                      type="button"
                      onClick={() => act("reset")}
                    >
                      Yes, reset
                    </button>
                    <button
                      class="btn btn-quiet btn-small"
                      type="button"
                      onClick={() =>
                        setConfirmReset(false)}
                    >
                      Keep
                    </button>
                  </>
                )
                : (
                  <button
                    class="btn btn-quiet btn-small"
                    type="button"
                    disabled={busy}
                    onClick={() => setConfirmReset(true)}
                  >
                    Reset
                  </button>
                )}
              <button
                class="btn btn-quiet btn-small"
                type="button"
                disabled={busy}
                onClick={() =>
                  act("reconcile")}
              >
                Reconcile
              </button>
            </div>
          </div>
          <div class="metrics">
            <div class="metric">
              <span class="metric-label">Sold</span>
              <span class="metric-value" data-testid="live-sold">{stats ? stats.sold : "–"}</span>
            </div>
            <div class="metric">
              <span class="metric-label">Remaining</span>
              <span class="metric-value" data-testid="live-remaining">
                {stats ? stats.remainingStock : "–"}
              </span>
            </div>
            <div class="metric">
              <span class="metric-label">Orders</span>
              <span class="metric-value">{stats ? stats.orders : "–"}</span>
            </div>
            <div class="metric">
              <span class="metric-label">Purchases / s</span>
              <span class="metric-value">{(chart[chart.length - 1] ?? 0).toFixed(1)}</span>
            </div>
          </div>
          <div class="live-body">
            <Sparkline points={chart} />
            <ul class="outcomes" aria-label="Outcomes (this server process)">
              {Object.entries(stats?.outcomes ?? {}).length === 0 && (
                <li class="muted">No purchase attempts yet</li>
              )}
              {Object.entries(stats?.outcomes ?? {}).sort().map(([code, n]) => (
                <li key={code}>
                  <span class="outcome-code">{code}</span>
                  <span class="outcome-n">{numberFormat.format(n)}</span>
                </li>
              ))}
            </ul>
          </div>
          {drift && (
            <div class="drift" data-testid="drift">
              <h3>{drift.repaired ? "Drift found and repaired" : "No drift: Redis agrees"}</h3>
              <dl>
                <div>
                  <dt>Stock in Redis</dt>
                  <dd>{drift.stockBefore ?? "missing"} → {drift.stockAfter}</dd>
                </div>
                <div>
                  <dt>Buyers in Redis</dt>
                  <dd>{drift.buyersBefore} → {drift.buyersAfter}</dd>
                </div>
                <div>
                  <dt>Sold (PostgreSQL)</dt>
                  <dd>{drift.sold}</dd>
                </div>
                <div>
                  <dt>Outbox drained</dt>
                  <dd>{drift.outboxDrained}</dd>
                </div>
              </dl>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
