-- name: record
INSERT INTO admin_audit (actor, client_ip, user_agent, method, path, status)
VALUES ($1, $2, $3, $4, $5, $6);
