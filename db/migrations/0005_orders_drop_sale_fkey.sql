-- The foreign key's check ran one query per inserted order (RI_FKey_check: an index look-up and a
-- row lock on the sale), about a fifth of PostgreSQL's work per row in a rush, and proved nothing
-- the insert does not: the only statement that writes orders (lib/orders/orders.sql insertBatch)
-- locks each row's sale FOR SHARE and inserts only rows whose sale it found, and a locked sale
-- cannot be deleted before that insert commits. The platform never deletes a sale; whoever does
-- it by hand deletes its orders first (nothing cascades any more).
ALTER TABLE orders DROP CONSTRAINT orders_sale_id_fkey;
