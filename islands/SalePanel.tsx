/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";
import { requestJson, type SaleData } from "./parts/api.ts";
import { useServerNow } from "./parts/clock.ts";
import { CountdownView } from "./parts/CountdownView.tsx";
import { formatTime, statusAt } from "./parts/format.ts";
import { orderResult, purchaseResult, type ResultView } from "./parts/result.ts";
import { StatusBadge } from "./parts/StatusBadge.tsx";
import { StockBar } from "./parts/StockBar.tsx";
import type { LiveUpdate } from "../lib/domain/sale.ts";
import { USER_ID_MAX_LENGTH } from "../lib/domain/user_id.ts";

export interface SalePanelProps {
  sale: SaleData;
  /** What the shopper typed and got, when the page answers a form post (no JavaScript). */
  userId: string;
  quantity: number;
  result: ResultView | null;
}

const POLL_MS = 2000;
const REOPEN_MS = 10_000;
const USER_KEY = "flashsale.userId";

/**
 * Keeps the remaining stock and status live: the sale's event stream, and polling while the
 * stream is down (it reconnects by itself; a closed one is reopened after a while).
 */
function useLiveSale(sale: SaleData, onChange: (u: LiveUpdate) => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    let stream: EventSource | null = null;
    let poll: ReturnType<typeof setInterval> | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    const pollOnce = async () => {
      try {
        const { status, body } = await requestJson<LiveUpdate>(`/api/sales/${sale.id}`);
        if (status === 200) latest.current(body);
      } catch { /* still offline */ }
    };
    const startPolling = () => {
      poll ??= setInterval(pollOnce, POLL_MS);
    };
    const stopPolling = () => {
      clearInterval(poll);
      poll = undefined;
    };
    const open = () => {
      stream = new EventSource(`/api/sales/${sale.id}/events`);
      stream.addEventListener("sale", (e) => latest.current(JSON.parse((e as MessageEvent).data)));
      stream.onopen = stopPolling;
      stream.onerror = () => {
        startPolling();
        if (stream?.readyState === EventSource.CLOSED) {
          stream.close();
          reopen = setTimeout(open, REOPEN_MS);
        }
      };
    };
    open();
    return () => {
      stream?.close();
      stopPolling();
      clearTimeout(reopen);
    };
  }, [sale.id]);
}

export default function SalePanel(props: SalePanelProps) {
  const [sale, setSale] = useState(props.sale);
  const [remaining, setRemaining] = useState(props.sale.remainingStock);
  const [userId, setUserId] = useState(props.userId);
  const [quantity, setQuantity] = useState(props.quantity);
  const [result, setResult] = useState<ResultView | null>(props.result);
  const [busy, setBusy] = useState(false);
  const [zone, setZone] = useState<string | undefined>("UTC");
  const now = useServerNow(props.sale.serverTime, `/api/sales/${sale.id}`);
  const status = statusAt(now, sale.startTime, sale.endTime);

  useEffect(() => {
    setZone(undefined); // the browser's zone, once hydrated
    if (!props.userId) setUserId(localStorage.getItem(USER_KEY) ?? "");
  }, []);

  useLiveSale(sale, (u) => {
    setRemaining(u.remainingStock);
    // A status our clock does not expect means the window changed: fetch the new one.
    if (u.status !== statusAt(Date.parse(u.serverTime), sale.startTime, sale.endTime)) {
      void requestJson<SaleData>(`/api/sales/${sale.id}`).then(({ status, body }) => {
        if (status === 200) setSale(body);
      }).catch(() => {});
    }
  });

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const intent = (e.submitter as HTMLButtonElement | null)?.value ?? "buy";
    const id = userId.trim();
    if (!id) {
      setResult({ tone: "warning", title: "Please check the form", detail: "Enter your User ID." });
      return;
    }
    localStorage.setItem(USER_KEY, id);
    setBusy(true);
    try {
      if (intent === "check") {
        const r = await requestJson<Parameters<typeof orderResult>[2]>(
          `/api/sales/${sale.id}/orders/${encodeURIComponent(id)}`,
        );
        setResult(orderResult(r.status, id, r.body));
      } else {
        const r = await requestJson<Parameters<typeof purchaseResult>[1]>(
          `/api/sales/${sale.id}/purchase`,
          { method: "POST", body: { userId: id, quantity } },
        );
        if (typeof r.body.remainingStock === "number") setRemaining(r.body.remainingStock);
        setResult(purchaseResult(r.status, r.body));
      }
    } catch {
      setResult({
        tone: "danger",
        title: "Could not reach the shop",
        detail: "Check your connection and try again. Buying twice is never possible.",
      });
    } finally {
      setBusy(false);
    }
  };

  const soldOut = remaining === 0;
  const limit = sale.perUserLimit;
  const choices = limit;

  return (
    <div class="panel">
      <div class="panel-head">
        <StatusBadge status={status} />
        <span class="panel-limit">Limit {limit} per shopper</span>
      </div>

      {status === "UPCOMING" && (
        <CountdownView label="Starts in" targetMs={Date.parse(sale.startTime)} nowMs={now} />
      )}
      {status === "ACTIVE" && (
        <CountdownView label="Ends in" targetMs={Date.parse(sale.endTime)} nowMs={now} />
      )}
      {status === "ENDED" && (
        <p class="panel-note" data-testid="countdown">
          This sale ended {formatTime(sale.endTime, zone)}.
        </p>
      )}

      <StockBar remaining={remaining} total={sale.totalStock} />

      {status === "UPCOMING" && (
        <p class="panel-note">
          Opens{" "}
          {formatTime(sale.startTime, zone)}. This page switches to the order form by itself when
          the sale starts — no need to reload.
        </p>
      )}

      <form class="buy" method="post" action={`/sales/${sale.id}`} onSubmit={submit}>
        <div class="field">
          <label for="user-id">User ID</label>
          <input
            id="user-id"
            name="userId"
            autocomplete="username"
            required
            maxLength={USER_ID_MAX_LENGTH}
            placeholder="e.g. alice@example.com"
            value={userId}
            onInput={(e) => setUserId(e.currentTarget.value)}
          />
        </div>
        {status === "ACTIVE" && (
          <div class="buy-row">
            <div class="field field-qty">
              <label for="quantity">Quantity</label>
              {choices <= 10
                ? (
                  <select
                    id="quantity"
                    name="quantity"
                    value={String(quantity)}
                    disabled={soldOut}
                    onChange={(e) => setQuantity(Number(e.currentTarget.value))}
                  >
                    {Array.from(
                      { length: choices },
                      (_, i) => (
                        <option key={i} value={String(i + 1)} selected={i + 1 === quantity}>
                          {i + 1}
                        </option>
                      ),
                    )}
                  </select>
                )
                : (
                  <input
                    id="quantity"
                    name="quantity"
                    type="number"
                    min={1}
                    max={limit}
                    value={String(quantity)}
                    disabled={soldOut}
                    onInput={(e) => setQuantity(Number(e.currentTarget.value) || 1)}
                  />
                )}
            </div>
            <button
              class="btn btn-buy"
              type="submit"
              name="intent"
              value="buy"
              disabled={soldOut || busy}
              data-testid="buy"
            >
              {soldOut ? "Sold out" : busy ? "Buying…" : "Buy now"}
            </button>
          </div>
        )}
        <button class="btn btn-link" type="submit" name="intent" value="check" formNoValidate>
          Check my order
        </button>
      </form>

      <div class="result-region" role="status" aria-live="polite" data-testid="result">
        {result && (
          <div class={`result result-${result.tone}`}>
            <strong class="result-title">{result.title}</strong>
            <p>{result.detail}</p>
            {result.order && (
              <dl class="order">
                <dt>Order number</dt>
                <dd>
                  <code data-testid="order-id">{result.order.id}</code>
                </dd>
                <dt>Quantity</dt>
                <dd>{result.order.quantity}</dd>
                <dt>Status</dt>
                <dd>{result.order.status}</dd>
              </dl>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
