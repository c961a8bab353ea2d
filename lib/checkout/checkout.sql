-- Checkout holds (DESIGN §9). PostgreSQL decides every race between a payment, a cancel and an
-- expiry: each is one statement that applies only to a row still `held` (a payment only before
-- its deadline, an expiry only after it), so an order is never both paid and given back.

-- name: recordEvent
-- A payment event, once per id: no row returned when it was received before (a redelivery).
-- Its outcome is written by `settleEvent` in the same transaction.
INSERT INTO payment_events (id, order_id, type, outcome)
VALUES ($1, $2, $3, 'unknown_order')
ON CONFLICT (id) DO NOTHING
RETURNING id;

-- name: settleEvent
UPDATE payment_events SET outcome = $2, sale_id = $3, user_id = $4 WHERE id = $1;

-- name: pay
UPDATE orders SET status = 'paid', paid_at = now()
WHERE id = $1 AND status = 'held' AND hold_expires_at > now()
RETURNING id, sale_id, user_id, quantity, status, created_at, hold_expires_at, paid_at;

-- name: expireOne
-- A hold past its deadline that the expiry worker has not reached yet: ended now, as the worker
-- would (which then gives its stock back).
UPDATE orders SET status = 'expired'
WHERE id = $1 AND status = 'held' AND hold_expires_at <= now();

-- name: byId
SELECT id, sale_id, user_id, quantity, status, created_at, hold_expires_at, paid_at
FROM orders
WHERE id = $1;

-- name: cancel
UPDATE orders SET status = 'cancelled'
WHERE sale_id = $1 AND user_id = $2 AND status = 'held'
RETURNING id, sale_id, user_id, quantity, status, created_at, hold_expires_at, paid_at;

-- name: expireDue
-- One step of the expiry worker: holds past their deadline end, at most $1 of them, earliest
-- first. Rows a payment is writing right now are skipped (SKIP LOCKED): the next step sees them
-- decided.
WITH due AS (
  SELECT id FROM orders
  WHERE status = 'held' AND hold_expires_at <= now()
  ORDER BY hold_expires_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
UPDATE orders o SET status = 'expired'
FROM due
WHERE o.id = due.id AND o.status = 'held' AND o.hold_expires_at <= now()
RETURNING o.id;

-- name: unreleased
-- Ended holds whose stock is not known to be back in Redis yet, at most $1.
SELECT id, sale_id, user_id, quantity
FROM orders
WHERE status IN ('expired', 'cancelled') AND released_at IS NULL
LIMIT $1;

-- name: markReleased
UPDATE orders SET released_at = now()
WHERE id = ANY($1::uuid[]) AND status IN ('expired', 'cancelled') AND released_at IS NULL;

-- name: holdCounts
SELECT count(*) FILTER (WHERE status = 'held')::int AS held,
       count(*) FILTER (WHERE status = 'paid')::int AS paid,
       count(*) FILTER (WHERE status = 'expired')::int AS expired,
       count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled
FROM orders
WHERE sale_id = $1
  AND (status IN ('confirmed', 'held', 'paid') OR status IN ('expired', 'cancelled'));

-- name: latePayments
-- Payments that came after their hold had ended: each is owed a refund. Oldest first, at most $2.
SELECT id AS event_id, order_id, user_id, received_at
FROM payment_events
WHERE sale_id = $1 AND outcome = 'late'
ORDER BY received_at
LIMIT $2;
