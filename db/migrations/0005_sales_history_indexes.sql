-- A shop keeps its past sales, so no read may scan them all: the sale cache loads the sales still
-- open or recently ended (end_time), and its periodic refresh reads only the rows changed since its
-- last one (updated_at). The list API pages by id, which the primary key already orders.
CREATE INDEX sales_end_time ON sales (end_time);
CREATE INDEX sales_updated_at ON sales (updated_at);
