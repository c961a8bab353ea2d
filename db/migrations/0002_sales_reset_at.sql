-- When a sale was last reset, by Redis's clock (the clock that stamps reservations). Reservations
-- made before it belong to the cleared sale: the writer must not insert them afterwards.
ALTER TABLE sales ADD COLUMN reset_at timestamptz NOT NULL DEFAULT '-infinity';
