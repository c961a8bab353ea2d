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
import { cancelHold, readOrder, useHoldEnd } from "./parts/hold.ts";
import { UserIdField } from "./parts/UserIdField.tsx";
import { lastUserId, rememberUserId } from "./parts/remembered.ts";

export interface SalePanelProps {
  sale: SaleData;
  /** What the shopper typed and got, when the page answers a form post (no JavaScript). */
  userId: string;
  quantity: number;
  result: ResultView | null;
  /** A checkout sale's Pay: the shop's checkout, `{orderId}` standing for the order's id. */
  checkoutUrl: string;
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
    const id = props.userId || lastUserId();
    if (!props.userId) setUserId(id);
    // A checkout sale's shopper comes back (from paying, or a reload): their hold as it is now.
    if (sale.checkout && id && !props.result) {
      readOrder(sale.id, id).then((r) => r && setResult((shown) => shown ?? r)).catch(() => {});
    }
  }, []);

  useLiveSale(sale, { update: (u) => setRemaining(u.remainingStock), sale: setSale });
  useHoldEnd(sale.id, result, now, setResult);

  const cancel = async (e: SubmitEvent) => {
    e.preventDefault();
    const order = result?.order;
    if (!order) return;
    setBusy(true);
    try {
      setResult(await cancelHold(sale.id, order.userId));
    } catch {
      setResult(PURCHASE_UNREACHABLE);
    } finally {
      setBusy(false);
    }
  };

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const intent = (e.submitter as HTMLButtonElement | null)?.value ?? "buy";
    const id = userId.trim() || (result?.order?.userId ?? "");
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

      <ResultBox
        result={result}
        hold={{
          nowMs: now,
          zone,
          checkoutUrl: props.checkoutUrl,
          formAction: `/sales/${sale.id}`,
          busy,
          retryLabel: "Try again",
          onCancel: cancel,
          onRetry: submit,
        }}
      />
    </div>
  );
}
