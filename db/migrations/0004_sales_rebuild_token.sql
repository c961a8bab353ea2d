-- The highest fencing token of a rebuild that reached this sale (hold.lua hands them out, always
-- higher). A rebuild's steps commit only with a token at least this high, so a rebuild whose Redis
-- lease lapsed while PostgreSQL stalled cannot undo the work of the rebuild that took over.
ALTER TABLE sales ADD COLUMN rebuild_token bigint NOT NULL DEFAULT 0;
