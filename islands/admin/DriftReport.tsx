import type { Drift } from "../../lib/domain/drift.ts";

/** What a reset or reconcile found in Redis against PostgreSQL, and what it repaired. */
export function DriftReport(props: { drift: Drift }) {
  const { drift } = props;
  return (
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
  );
}
