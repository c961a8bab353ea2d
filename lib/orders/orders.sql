-- name: insertBatch
-- One statement per batch: insert what is new and say, for every requested row, whether it went in
-- and whether it is void (made before the sale's last reset, or for a sale that no longer exists),
-- and the status and hold deadline it was written with (held until then in a checkout sale).
-- The statement, with its reset fence, is the function of db/migrations/0008_checkout.sql: its
-- plan is kept per connection instead of made for every batch.
SELECT requested_id, inserted, voided, order_status, expires_at
FROM insert_order_batch($1::uuid[], $2::bigint[], $3::text[], $4::int[], $5::text[]::timestamptz[]);

-- name: byIds
-- Orders of a swept batch that PostgreSQL holds already, live or ended: an ended one is out of the
-- live shoppers' unique index, so inserting its id again would clash on the primary key.
SELECT id, sale_id, user_id, quantity, status, created_at, hold_expires_at, paid_at
FROM orders
WHERE id = ANY($1::uuid[]);

-- name: byShoppers
-- The shoppers' live orders (one each at most).
SELECT o.id, o.sale_id, o.user_id, o.quantity, o.status, o.created_at, o.hold_expires_at, o.paid_at
FROM orders o
JOIN unnest($1::bigint[], $2::text[]) AS k(sale_id, user_id)
  ON o.sale_id = k.sale_id AND o.user_id = k.user_id
WHERE o.status IN ('confirmed', 'held', 'paid');

-- name: bySale
-- The sale's live orders: what a rebuild writes into Redis as its buyers and sold items.
SELECT id, user_id, quantity, created_at
FROM orders
WHERE sale_id = $1 AND status IN ('confirmed', 'held', 'paid');

-- name: byShopper
-- The shopper's live order, or else their latest ended one (so a lapsed hold reads as expired).
(SELECT id, sale_id, user_id, quantity, status, created_at, hold_expires_at, paid_at
 FROM orders
 WHERE sale_id = $1 AND user_id = $2 AND status IN ('confirmed', 'held', 'paid'))
UNION ALL
(SELECT id, sale_id, user_id, quantity, status, created_at, hold_expires_at, paid_at
 FROM orders
 WHERE sale_id = $1 AND user_id = $2 AND status IN ('expired', 'cancelled')
 ORDER BY created_at DESC
 LIMIT 1)
LIMIT 1;

-- name: countsBySale
-- Live orders and their items: sold = held + paid + confirmed.
SELECT count(*)::int AS orders, coalesce(sum(quantity), 0)::int AS sold
FROM orders
WHERE sale_id = $1 AND status IN ('confirmed', 'held', 'paid');

-- name: claimCount
-- A rebuild's fenced step (Reconciler), first statement of the transaction that counts the orders:
-- refused (no row) unless the rebuild's fencing token ($2) is at least the highest the sale has
-- seen. Sets the fence: reservations stamped at or before $3 and not yet written are void, as
-- after a reset (insertBatch); it never moves back. Locking the row makes inserts (FOR SHARE) and
-- settings changes (FOR UPDATE) wait for the count, and returns the settings the rebuild writes.
UPDATE sales SET rebuild_token = $2::bigint, reset_at = greatest(reset_at, $3)
WHERE id = $1 AND rebuild_token <= $2::bigint
RETURNING id, name, description, total_stock, per_user_limit, start_time, end_time, waiting_room,
       checkout, updated_at;

-- name: claimReset
-- A reset's fenced step: as claimCount, in the transaction that deletes the orders. The new total
-- stock ($4, null: unchanged) commits with the deletion or not at all.
UPDATE sales SET rebuild_token = $2::bigint, reset_at = greatest(reset_at, $3),
                 total_stock = coalesce($4::int, total_stock), updated_at = now()
WHERE id = $1 AND rebuild_token <= $2::bigint
RETURNING id;

-- name: deleteBySale
-- Every order of the sale, live and ended (each arm of the condition is one partial index's).
DELETE FROM orders
WHERE sale_id = $1
  AND (status IN ('confirmed', 'held', 'paid') OR status IN ('expired', 'cancelled'));
