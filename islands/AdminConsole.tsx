/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";
import { requestJson, type SaleData } from "./parts/api.ts";
import { formatTime, numberFormat, statusAt } from "./parts/format.ts";
import { StatusBadge } from "./parts/StatusBadge.tsx";
import type { Drift } from "../lib/domain/drift.ts";

export interface AdminConsoleProps {
  sales: SaleData[];
}

interface Stats {
  sale: SaleData;
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
const CHART_SECONDS = 60;
/** The "per second" figures average this many seconds, so a burst does not flicker. */
const RATE_SECONDS = 5;
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

/** Items sold per wall-clock second, by sale: sale id -> unix second -> items. */
type SoldPerSecond = Record<number, Record<number, number>>;

function soldOf(s: SaleData): number {
  return s.totalStock - s.remainingStock;
}

/** Adds what each sale sold since its last reading to `second`, keeping only the chart's span. */
function addSold(
  history: SoldPerSecond,
  added: Map<number, number>,
  second: number,
): SoldPerSecond {
  const next: SoldPerSecond = {};
  for (const [id, seconds] of Object.entries(history)) {
    const kept = Object.entries(seconds).filter(([at]) => Number(at) > second - CHART_SECONDS);
    if (kept.length > 0) next[Number(id)] = Object.fromEntries(kept);
  }
  for (const [id, items] of added) {
    const seconds = next[id] ??= {};
    seconds[second] = (seconds[second] ?? 0) + items;
  }
  return next;
}

/** The last `count` seconds up to `second`, oldest first, 0 where nothing sold. */
function lastSeconds(history: SoldPerSecond, id: number, second: number, count: number) {
  const seconds = history[id] ?? {};
  return Array.from({ length: count }, (_, i) => seconds[second - count + 1 + i] ?? 0);
}

function rateOf(history: SoldPerSecond, id: number, second: number): number {
  return lastSeconds(history, id, second, RATE_SECONDS).reduce((a, b) => a + b, 0) /
    RATE_SECONDS;
}

/** One bar per second with sales; a second without any draws nothing, not a line on the axis. */
function SoldChart(props: { points: number[] }) {
  const w = 240, h = 56, top = 4, base = h - 2;
  const peak = Math.max(0, ...props.points);
  const step = w / props.points.length;
  return (
    <figure class="spark-figure">
      <svg
        class="spark"
        viewBox={`0 0 ${w} ${h}`}
        preserveAspectRatio="none"
        role="img"
        aria-label="Purchases per second over the last minute"
      >
        <line x1="0" y1={base} x2={w} y2={base} class="spark-axis" />
        {props.points.map((n, i) => {
          if (n === 0) return null;
          const height = (n / peak) * (base - top);
          return (
            <rect
              key={i}
              class="spark-bar"
              x={(i * step + step * 0.15).toFixed(1)}
              y={(base - height).toFixed(1)}
              width={(step * 0.7).toFixed(1)}
              height={height.toFixed(1)}
            />
          );
        })}
      </svg>
      <figcaption class="hint">
        Purchases per second, last minute · {peak === 0 ? "none yet" : `peak ${peak}/s`}
      </figcaption>
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
  const [history, setHistory] = useState<SoldPerSecond>({});
  const [editing, setEditing] = useState<"new" | number | null>(null);
  const [values, setValues] = useState<FormValues>(emptyForm());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ tone: string; text: string } | null>(null);
  const [drift, setDrift] = useState<Drift | null>(null);
  const [confirmReset, setConfirmReset] = useState(false);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.parse(props.sales[0]?.serverTime ?? "") || 0);
  // The page's own numbers are the first reading: what sells after it shows on the chart.
  const lastSold = useRef(new Map(props.sales.map((s) => [s.id, soldOf(s)])));
  const watched = useRef(selected);
  const reads = useRef<Promise<void>>(Promise.resolve());
  const pendingReads = useRef(0);

  /**
   * One reading of the sales list and of the watched sale's stats. The table row of the watched
   * sale takes the stats' numbers, so the row and the panel never disagree; what a sale sold
   * since its last reading goes to the chart in the current second.
   */
  const readOnce = async () => {
    const id = watched.current;
    const list = await api<{ sales: SaleData[] }>("/api/sales");
    // Read after the list, so the stats are the newer reading of the watched sale.
    const detail = id === null ? null : await api<Stats>(`/api/admin/sales/${id}/stats`);
    const stale = id !== watched.current;
    const fresh = new Map<number, SaleData>();
    if (list.status === 200) { for (const s of list.body.sales) fresh.set(s.id, s); }
    if (detail?.status === 200 && !stale) fresh.set(detail.body.sale.id, detail.body.sale);
    const added = new Map<number, number>();
    for (const s of fresh.values()) {
      const before = lastSold.current.get(s.id);
      lastSold.current.set(s.id, soldOf(s));
      // Less than before is a reset: nothing sold, and the new count is the next reading's base.
      if (before !== undefined && soldOf(s) > before) added.set(s.id, soldOf(s) - before);
    }
    setHistory((h) => addSold(h, added, Math.floor(Date.now() / 1000)));
    if (list.status === 200) {
      setSales(list.body.sales.map((s) => fresh.get(s.id) ?? s));
      setNow(Date.parse(list.body.sales[0]?.serverTime ?? "") || Date.now());
    } else setSales((old) => old.map((s) => fresh.get(s.id) ?? s));
    if (detail?.status === 200 && !stale) setStats(detail.body);
  };

  /**
   * Readings run one after another: one that started earlier but answered later would take a
   * sale's count back and count its sales twice on the chart.
   */
  const refresh = () => {
    pendingReads.current += 1;
    reads.current = reads.current.then(readOnce).catch(() => {}).finally(() => {
      pendingReads.current -= 1;
    });
    return reads.current;
  };

  useEffect(() => {
    setNow(Date.now());
    void refresh();
    const timer = setInterval(() => {
      if (pendingReads.current === 0) void refresh();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  const select = (id: number) => {
    watched.current = id;
    setSelected(id);
    setStats(null);
    setDrift(null);
    setConfirmReset(false);
    void refresh();
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
        select(r.body.id);
        await refresh();
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
        await refresh();
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
  // The chart's seconds are the browser's, as the readings were filed by the browser's clock.
  const second = Math.floor(Date.now() / 1000);

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
                <td class="num" data-testid="admin-sold">{numberFormat.format(soldOf(s))}</td>
                <td class="num" data-testid="admin-remaining">
                  {numberFormat.format(s.remainingStock)}
                </td>
                <td class="num">{rateOf(history, s.id, second).toFixed(1)}</td>
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
              <span class="metric-value">{rateOf(history, current.id, second).toFixed(1)}</span>
            </div>
          </div>
          <div class="live-body">
            <SoldChart points={lastSeconds(history, current.id, second, CHART_SECONDS)} />
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
