-- name: insertBatch
-- One statement per batch: insert what is new and say, for every requested row, whether it went in
-- and whether it is void (made before the sale's last reset, or for a sale that no longer exists).
-- Which order a shopper already has is asked afterwards, only for the rows that did not go in
-- (byShoppers): in a rush that is almost none, and a probe per row here would cost every row.
-- `IN (SELECT id FROM ins)` is a hashed subplan: a join to `ins` is planned as a nested loop over
-- the inserted rows (their count is unknown to the planner), n × n for a batch of n.
WITH input AS (
  SELECT *
  FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::int[], $5::text[]::timestamptz[])
    AS t(id, sale_id, user_id, quantity, created_at)
),
sale AS (
  -- FOR SHARE: a reset (which updates this row) waits for this insert to commit and then deletes
  -- its rows, or this insert waits for the reset and then reads its reset_at.
  SELECT id, reset_at FROM sales WHERE id IN (SELECT sale_id FROM input) FOR SHARE
),
ins AS (
  INSERT INTO orders (id, sale_id, user_id, quantity, status, created_at)
  SELECT i.id, i.sale_id, i.user_id, i.quantity, 'confirmed', i.created_at
  FROM input i JOIN sale s ON s.id = i.sale_id
  WHERE i.created_at > s.reset_at
  -- What may be there already is the shopper's order: this very one (a retry) or another. An
  -- order id comes with its sale and shopper, so the primary key needs no check of its own (one
  -- index descent less per row); a clash there alone would be a UUID collision and fail the batch.
  ON CONFLICT (sale_id, user_id) DO NOTHING
  RETURNING id
)
SELECT i.id AS requested_id, i.id IN (SELECT id FROM ins) AS inserted,
       (s.id IS NULL OR i.created_at <= s.reset_at) AS voided
FROM input i
LEFT JOIN sale s ON s.id = i.sale_id;

-- name: byShoppers
SELECT o.id, o.sale_id, o.user_id, o.quantity, o.status, o.created_at
FROM orders o
JOIN unnest($1::bigint[], $2::text[]) AS k(sale_id, user_id)
  ON o.sale_id = k.sale_id AND o.user_id = k.user_id;

-- name: bySale
SELECT id, user_id, quantity, created_at
FROM orders
WHERE sale_id = $1;

-- name: byShopper
SELECT id, sale_id, user_id, quantity, status, created_at
FROM orders
WHERE sale_id = $1 AND user_id = $2;

-- name: countsBySale
SELECT count(*)::int AS orders, coalesce(sum(quantity), 0)::int AS sold
FROM orders
WHERE sale_id = $1;

-- name: claimCount
-- A rebuild's fenced step (Reconciler), first statement of the transaction that counts the orders:
-- refused (no row) unless the rebuild's fencing token ($2) is at least the highest the sale has
-- seen. Sets the fence: reservations stamped at or before $3 and not yet written are void, as
-- after a reset (insertBatch); it never moves back. Locking the row makes inserts (FOR SHARE) and
-- settings changes (FOR UPDATE) wait for the count, and returns the settings the rebuild writes.
UPDATE sales SET rebuild_token = $2::bigint, reset_at = greatest(reset_at, $3)
WHERE id = $1 AND rebuild_token <= $2::bigint
RETURNING id, name, description, total_stock, per_user_limit, start_time, end_time, waiting_room,
       updated_at;

-- name: claimReset
-- A reset's fenced step: as claimCount, in the transaction that deletes the orders.
UPDATE sales SET rebuild_token = $2::bigint, reset_at = greatest(reset_at, $3), updated_at = now()
WHERE id = $1 AND rebuild_token <= $2::bigint
RETURNING id;

-- name: deleteBySale
DELETE FROM orders WHERE sale_id = $1;
