/*
 * The one type of a rebuild's report. Two route families answer it under different keys, kept for
 * their clients: `reset` (POST /api/admin/sales/:id/reset, POST /sale/reset) and `drift`
 * (POST /api/admin/sales/:id/reconcile, POST /sale/recovery and /sale/init-stock).
 */
/** What a rebuild found in Redis and what it set, for the admin and the logs. */
export interface Drift {
  saleId: number;
  keysMissing: boolean;
  outboxDrained: number;
  stockBefore: number | null;
  stockAfter: number;
  buyersBefore: number;
  buyersAfter: number;
  sold: number;
  repaired: boolean;
}
