-- name: current
-- The sales the cache holds: open, coming, or ended after $1 (index sales_end_time).
SELECT id, name, description, total_stock, per_user_limit, start_time, end_time, waiting_room,
       checkout, updated_at
FROM sales
WHERE end_time > $1;

-- name: changed
-- What the periodic refresh reads: rows changed after $1 that the cache holds or should hold (ended
-- after $2, or one of the ids $3 it holds now, whose new end may have taken it out).
SELECT id, name, description, total_stock, per_user_limit, start_time, end_time, waiting_room,
       checkout, updated_at
FROM sales
WHERE updated_at > $1 AND (end_time > $2 OR id = ANY($3::bigint[]));

-- name: watermark
-- The newest id (an id above it names no sale yet) and change (where the next refresh starts).
SELECT coalesce(max(id), 0)::bigint AS max_id, coalesce(max(updated_at), now()) AS updated_at
FROM sales;

-- name: page
-- A page of the list, newest first: ids below the cursor $1 (null: from the newest), of status $2
-- (null: any) at time $3, decided as saleStatus (lib/domain/sale.ts) decides it. With each its
-- items sold: a past sale often has no Redis state left, and one query beats one per sale.
SELECT id, name, description, total_stock, per_user_limit, start_time, end_time, waiting_room,
       checkout, updated_at,
       (SELECT coalesce(sum(o.quantity), 0) FROM orders o
        WHERE o.sale_id = sales.id AND o.status IN ('confirmed', 'held', 'paid'))::int AS sold
FROM sales
WHERE ($1::bigint IS NULL OR id < $1::bigint)
  AND CASE $2::text
    WHEN 'UPCOMING' THEN $3::timestamptz < start_time
    WHEN 'ENDED' THEN $3::timestamptz >= end_time
    WHEN 'ACTIVE' THEN $3::timestamptz >= start_time AND $3::timestamptz < end_time
    ELSE true
  END
ORDER BY id DESC
LIMIT $4;

-- name: get
SELECT id, name, description, total_stock, per_user_limit, start_time, end_time, waiting_room,
       checkout, updated_at
FROM sales
WHERE id = $1;

-- name: insert
INSERT INTO sales (name, description, total_stock, per_user_limit, start_time, end_time,
                   waiting_room, checkout)
VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8::text::jsonb)
RETURNING id, name, description, total_stock, per_user_limit, start_time, end_time, waiting_room,
       checkout, updated_at;

-- name: getForUpdate
SELECT id, name, description, total_stock, per_user_limit, start_time, end_time, waiting_room,
       checkout, updated_at
FROM sales
WHERE id = $1
FOR UPDATE;

-- name: update
UPDATE sales
SET name = $2, description = $3, total_stock = $4, per_user_limit = $5, start_time = $6,
    end_time = $7, waiting_room = $8::text::jsonb, checkout = $9::text::jsonb, updated_at = now()
WHERE id = $1
RETURNING id, name, description, total_stock, per_user_limit, start_time, end_time, waiting_room,
       checkout, updated_at;

-- name: sold
-- Items in the sale's live orders. Read under the sale row's FOR UPDATE lock, it cannot grow
-- meanwhile: every insert locks the row FOR SHARE (orders.sql insertBatch).
SELECT coalesce(sum(quantity), 0)::int AS sold
FROM orders
WHERE sale_id = $1 AND status IN ('confirmed', 'held', 'paid');
