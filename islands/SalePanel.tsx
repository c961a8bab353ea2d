/// <reference lib="dom" />
import { useEffect, useState } from "preact/hooks";
import { requestJson, type SaleData } from "./parts/api.ts";
import { useServerNow } from "./parts/clock.ts";
import { formatTime, statusAt } from "./parts/format.ts";
import {
  orderResult,
  PURCHASE_UNREACHABLE,
  purchaseResult,
  type ResultView,
} from "./parts/result.ts";
import { useLiveSale } from "./parts/live.ts";
import { QuantityField } from "./parts/QuantityField.tsx";
import { PanelTop } from "./parts/PanelTop.tsx";
import { ResultBox } from "./parts/ResultBox.tsx";
import { UserIdField } from "./parts/UserIdField.tsx";
import { lastUserId, rememberUserId } from "./parts/remembered.ts";

export interface SalePanelProps {
  sale: SaleData;
  /** What the shopper typed and got, when the page answers a form post (no JavaScript). */
  userId: string;
  quantity: number;
  result: ResultView | null;
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
    if (!props.userId) setUserId(lastUserId());
  }, []);

  useLiveSale(sale, { update: (u) => setRemaining(u.remainingStock), sale: setSale });

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const intent = (e.submitter as HTMLButtonElement | null)?.value ?? "buy";
    const id = userId.trim();
    if (!id) {
      setResult({ tone: "warning", title: "Please check the form", detail: "Enter your User ID." });
      return;
    }
    rememberUserId(id);
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
      setResult(PURCHASE_UNREACHABLE);
    } finally {
      setBusy(false);
    }
  };

  const soldOut = remaining === 0;
  const limit = sale.perUserLimit;

  return (
    <div class="panel">
      <PanelTop sale={sale} status={status} nowMs={now} zone={zone} remaining={remaining} />

      {status === "UPCOMING" && (
        <p class="panel-note">
          Opens{" "}
          {formatTime(sale.startTime, zone)}. This page switches to the order form by itself when
          the sale starts — no need to reload.
        </p>
      )}

      <form class="buy" method="post" action={`/sales/${sale.id}`} onSubmit={submit}>
        <UserIdField value={userId} onInput={setUserId} />
        {status === "ACTIVE" && (
          <div class="buy-row">
            <QuantityField
              limit={limit}
              value={quantity}
              disabled={soldOut}
              onChange={setQuantity}
            />
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

      <ResultBox result={result} />
    </div>
  );
}
