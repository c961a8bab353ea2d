--[[
  purchase.lua: decides one purchase attempt atomically, in one round trip.

  KEYS[1] meta    hash: state ("ready" | "rebuilding"), total, limit, start, end (epoch ms), run
  KEYS[2] stock   string: items left
  KEYS[3] buyers  hash: userId -> "orderId:quantity:createdAtMs[:outboxId]" (the outbox id while
                  the order may not be in PostgreSQL yet; none when rebuilt from PostgreSQL)
  KEYS[4] outbox  stream: one entry per reservation until PostgreSQL holds it
  KEYS[5] the shopper's attempt counter in this sale   KEYS[6] the client IP's (abuse limits)

  ARGV[1] userId
  ARGV[2] orderId   made by the server (UUIDv7), the order's primary key in PostgreSQL
  ARGV[3] quantity  1..limit
  ARGV[4] limit window (ms)   ARGV[5] attempts per shopper   ARGV[6] attempts per client IP
          (per window, per sale; 0: no limit)

  Returns {code, ...}:
    {1, remaining, createdAtMs, outboxId}  reserved: stock decremented, buyer and outbox recorded
    {2, buyer, pending (1|0)}              the shopper already has an order in this sale; pending
                                           while its outbox entry is there (not yet known to be
                                           in PostgreSQL: a Redis that loses its data loses it)
    {3, remaining}                         not enough stock left for this quantity
    {4}                                    the sale has not started (Redis server time)
    {5}                                    the sale has ended
    {6, limit}                             quantity above the per-shopper limit
    {7}                                    the sale's keys are missing, being rebuilt, or were
                                           built by another Redis server run: retry
    {8, retryAfterMs}                      too many attempts by this shopper or client IP

  `run` is the run_id of the Redis server run that built the state. A Redis restarted from a
  snapshot or an AOF (or a failover) has a new run_id, and its keys may be stale: stock too high,
  buyers missing. So state built by another run counts as missing, and the sale is rebuilt from
  PostgreSQL before any purchase is accepted.
]]
-- Abuse limits come first (fixed windows), so a noisy client costs a counter and nothing more.
-- They live here, not in a second call, to keep one round trip per attempt.
for i = 1, 2 do
  local limit = tonumber(ARGV[4 + i])
  if limit > 0 then
    local attempts = redis.call('INCR', KEYS[4 + i])
    if attempts == 1 then redis.call('PEXPIRE', KEYS[4 + i], ARGV[4]) end
    if attempts > limit then return {8, redis.call('PTTL', KEYS[4 + i])} end
  end
end

local meta = redis.call('HMGET', KEYS[1], 'state', 'limit', 'start', 'end', 'run')
local stock = redis.call('GET', KEYS[2])
if meta[1] ~= 'ready' or not stock
  or meta[5] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
  return {7}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now < tonumber(meta[3]) then return {4} end
if now >= tonumber(meta[4]) then return {5} end

local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then
  local outboxId = string.match(existing, '^[^:]*:[^:]*:[^:]*:(.+)$')
  local pending = outboxId and #redis.call('XRANGE', KEYS[4], outboxId, outboxId) > 0
  return {2, existing, pending and 1 or 0}
end

local quantity = tonumber(ARGV[3])
if quantity > tonumber(meta[2]) then return {6, tonumber(meta[2])} end

local remaining = tonumber(stock)
if remaining < quantity then return {3, remaining} end

remaining = redis.call('DECRBY', KEYS[2], quantity)
local outboxId = redis.call('XADD', KEYS[4], '*', 'o', ARGV[2], 'u', ARGV[1], 'q', ARGV[3], 't', now)
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. ':' .. ARGV[3] .. ':' .. now .. ':' .. outboxId)
return {1, remaining, now, outboxId}
