import type { HoldCounts, LatePayment } from "../../lib/checkout/holds.ts";
import { CountTiles, MOMENT } from "./CountTiles.tsx";

/**
 * The checkout of the watched sale (docs/checkout.md): its orders by status, and the payments that
 * came after their hold had ended, each owed a refund.
 */
export function HoldNumbers(props: { holds: HoldCounts; late: LatePayment[] }) {
  const { holds, late } = props;
  const counts: [label: string, n: number, id: string][] = [
    ["Held", holds.held, "holds-held"],
    ["Paid", holds.paid, "holds-paid"],
    ["Expired", holds.expired, "holds-expired"],
    ["Cancelled", holds.cancelled, "holds-cancelled"],
    ["Late payments", late.length, "holds-late"],
  ];
  return (
    <section class="line" aria-labelledby="holds-title" data-testid="live-holds">
      <h3 id="holds-title">Checkout</h3>
      <CountTiles counts={counts} />
      {late.length === 0
        ? <p class="draw">No payment came after its hold had ended.</p>
        : (
          <div class="late-wrap">
            <table class="late-table" data-testid="late-payments">
              <caption>Late payments: each is owed a refund</caption>
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Shopper</th>
                  <th scope="col">Order</th>
                  <th scope="col">Event</th>
                </tr>
              </thead>
              <tbody>
                {late.map((p) => (
                  <tr key={p.eventId}>
                    <td>
                      <time dateTime={p.receivedAt}>
                        {MOMENT.format(new Date(p.receivedAt))}
                      </time>
                    </td>
                    <td>{p.userId ?? "–"}</td>
                    <td>
                      <code>{p.orderId}</code>
                    </td>
                    <td>
                      <code>{p.eventId}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}
