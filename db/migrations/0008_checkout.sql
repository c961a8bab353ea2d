-- Checkout holds (DESIGN §9): a sale may hold each won item for the shopper until they pay, and
-- give it back to the stock when they do not.
--
-- A sale's checkout: null when off (orders are confirmed at once), else {"holdSeconds": n}
-- (validated by lib/domain/input.ts).
ALTER TABLE sales ADD COLUMN checkout jsonb;

-- An order of a checkout sale is `held` until paid (`paid`), or until it ends unpaid (`expired`,
-- `cancelled`). `released_at` is when an ended hold's stock went back to Redis (release.lua): the
-- release is retried until it is set, and it is set once.
ALTER TABLE orders
  ADD COLUMN hold_expires_at timestamptz,
  ADD COLUMN paid_at timestamptz,
  ADD COLUMN released_at timestamptz,
  ADD CONSTRAINT orders_status_check
    CHECK (status IN ('confirmed', 'held', 'paid', 'expired', 'cancelled'));

-- One order per shopper counts live orders only: expired and cancelled rows stay for the record,
-- and their shopper may buy again.
ALTER TABLE orders DROP CONSTRAINT orders_sale_id_user_id_key;
CREATE UNIQUE INDEX orders_live_shopper ON orders (sale_id, user_id)
  WHERE status IN ('confirmed', 'held', 'paid');
-- The ended ones, for a shopper's last order and a reset's deletion. Apart, so that an insert (a
-- live order) maintains one index on the shopper, as before.
CREATE INDEX orders_ended_shopper ON orders (sale_id, user_id)
  WHERE status IN ('expired', 'cancelled');

-- The expiry worker's two reads: holds due, and ended holds whose stock is not back yet.
CREATE INDEX orders_held_expiry ON orders (hold_expires_at) WHERE status = 'held';
CREATE INDEX orders_unreleased ON orders (id)
  WHERE status IN ('expired', 'cancelled') AND released_at IS NULL;

-- What the payment webhook was told, once per event id (a provider delivers an event again until
-- it is acknowledged). `outcome`: paid (this event paid the order), already_paid, failed
-- (payment.failed: the hold stays), late (the hold had ended: a refund is owed), not_held (an
-- order of a sale without checkout), unknown_order. Kept through a reset: a refund is still owed.
CREATE TABLE payment_events (
  id          text        PRIMARY KEY,
  order_id    uuid        NOT NULL,
  -- The order's sale and shopper as they were, for the refund: a reset deletes the order.
  sale_id     bigint,
  user_id     text,
  type        text        NOT NULL,
  outcome     text        NOT NULL
    CHECK (outcome IN ('paid', 'already_paid', 'failed', 'late', 'not_held', 'unknown_order')),
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_events_late ON payment_events (sale_id, received_at) WHERE outcome = 'late';

-- The group commit's function (0007), now writing a checkout sale's orders as held until
-- created_at + holdSeconds, and saying for each inserted row the status and deadline it wrote.
-- Its plan is still made once per connection (plan_cache_mode), and the notes of 0007 still hold:
-- which order a shopper already has is asked afterwards, only for the rows that did not go in;
-- `IN (SELECT id FROM ins)` is a hashed subplan. The status and deadline answered are computed from
-- the same `sale` row the insert read, with the same expressions: a join to `ins` for them would be
-- planned as a nested loop over the inserted rows.
DROP FUNCTION insert_order_batch(uuid[], bigint[], text[], int[], timestamptz[]);
CREATE FUNCTION insert_order_batch(uuid[], bigint[], text[], int[], timestamptz[])
RETURNS TABLE (requested_id uuid, inserted boolean, voided boolean, order_status text,
               expires_at timestamptz)
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
  SELECT s.id, s.reset_at, (s.checkout ->> 'holdSeconds')::int AS hold_seconds
  FROM sales s WHERE s.id IN (SELECT sale_id FROM input) FOR SHARE
),
ins AS (
  INSERT INTO orders AS o (id, sale_id, user_id, quantity, status, created_at, hold_expires_at)
  SELECT i.id, i.sale_id, i.user_id, i.quantity,
         CASE WHEN s.hold_seconds IS NULL THEN 'confirmed' ELSE 'held' END, i.created_at,
         i.created_at + make_interval(secs => s.hold_seconds)
  FROM input i JOIN sale s ON s.id = i.sale_id
  WHERE i.created_at > s.reset_at
  -- What may be there already is the shopper's live order: this very one (a retry) or another. An
  -- order id comes with its sale and shopper, so the primary key needs no check of its own (one
  -- index descent less per row); an ended order of this id is looked for before a sweep inserts
  -- (OrderRepository.insert), and a clash there alone would be a UUID collision.
  ON CONFLICT (sale_id, user_id) WHERE status IN ('confirmed', 'held', 'paid') DO NOTHING
  RETURNING o.id
)
SELECT i.id, i.id IN (SELECT ins.id FROM ins), (s.id IS NULL OR i.created_at <= s.reset_at),
       CASE WHEN s.hold_seconds IS NULL THEN 'confirmed' ELSE 'held' END,
       i.created_at + make_interval(secs => s.hold_seconds)
FROM input i
LEFT JOIN sale s ON s.id = i.sale_id;
END
$fn$;
