-- The group commit's statement (lib/orders/orders.sql, insertBatch) as a function, so that its plan
-- is made once per connection and reused, generic over the arrays (plan_cache_mode): statements
-- are unnamed for PgBouncer, so as a plain statement every batch was parsed and planned again
-- (0.4-0.6 ms a batch; docs/load-tests.md). A later change to the statement is a new migration
-- that replaces this function.
--
-- One statement per batch: insert what is new and say, for every requested row, whether it went in
-- and whether it is void (made before the sale's last reset, or for a sale that no longer exists).
-- Which order a shopper already has is asked afterwards, only for the rows that did not go in
-- (byShoppers): in a rush that is almost none, and a probe per row here would cost every row.
-- `IN (SELECT id FROM ins)` is a hashed subplan: a join to `ins` is planned as a nested loop over
-- the inserted rows (their count is unknown to the planner), n × n for a batch of n.
-- The body refers to its arguments as $1…$5, typed, so that it runs on its own too: the test of its
-- plan (tests/integration/order_batch_test.ts) EXPLAINs it as a statement.
CREATE FUNCTION insert_order_batch(uuid[], bigint[], text[], int[], timestamptz[])
RETURNS TABLE (requested_id uuid, inserted boolean, voided boolean)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $fn$
BEGIN
RETURN QUERY
WITH input AS (
  SELECT *
  FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::int[], $5::timestamptz[]) AS t(id, sale_id, user_id, quantity, created_at)
),
sale AS (
  -- FOR SHARE: a reset (which updates this row) waits for this insert to commit and then deletes
  -- its rows, or this insert waits for the reset and then reads its reset_at.
  SELECT s.id, s.reset_at FROM sales s WHERE s.id IN (SELECT sale_id FROM input) FOR SHARE
),
ins AS (
  INSERT INTO orders AS o (id, sale_id, user_id, quantity, status, created_at)
  SELECT i.id, i.sale_id, i.user_id, i.quantity, 'confirmed', i.created_at
  FROM input i JOIN sale s ON s.id = i.sale_id
  WHERE i.created_at > s.reset_at
  -- What may be there already is the shopper's order: this very one (a retry) or another. An
  -- order id comes with its sale and shopper, so the primary key needs no check of its own (one
  -- index descent less per row); a clash there alone would be a UUID collision and fail the batch.
  ON CONFLICT (sale_id, user_id) DO NOTHING
  RETURNING o.id
)
SELECT i.id, i.id IN (SELECT ins.id FROM ins), (s.id IS NULL OR i.created_at <= s.reset_at)
FROM input i
LEFT JOIN sale s ON s.id = i.sale_id;
END
$fn$;
