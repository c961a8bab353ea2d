-- One row per admin action (every admin request that changes something and got past the token
-- check): who (how they proved it, and from where), what, when, and how it ended.
CREATE TABLE admin_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  client_ip text NOT NULL,
  user_agent text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  status int NOT NULL
);
CREATE INDEX admin_audit_at ON admin_audit (at);
