-- name: list
SELECT id, name, description, total_stock, per_user_limit, start_time, end_time, updated_at
FROM sales
ORDER BY id;

-- name: get
SELECT id, name, description, total_stock, per_user_limit, start_time, end_time, updated_at
FROM sales
WHERE id = $1;

-- name: insert
INSERT INTO sales (name, description, total_stock, per_user_limit, start_time, end_time)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, name, description, total_stock, per_user_limit, start_time, end_time, updated_at;

-- name: getForUpdate
SELECT id, name, description, total_stock, per_user_limit, start_time, end_time, updated_at
FROM sales
WHERE id = $1
FOR UPDATE;

-- name: update
UPDATE sales
SET name = $2, description = $3, total_stock = $4, per_user_limit = $5, start_time = $6,
    end_time = $7, updated_at = now()
WHERE id = $1
RETURNING id, name, description, total_stock, per_user_limit, start_time, end_time, updated_at;

-- name: sold
-- Items in the sale's orders. Read under the sale row's FOR UPDATE lock, it cannot grow meanwhile:
-- every insert locks the row FOR SHARE (orders.sql insertBatch).
SELECT coalesce(sum(quantity), 0)::int AS sold
FROM orders
WHERE sale_id = $1;
