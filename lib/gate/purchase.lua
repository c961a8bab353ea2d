--[[
  purchase.lua: decides a batch of N >= 0 purchase attempts on one sale atomically, in one round
  trip, each in order and each exactly as if it ran alone (N = 1 when the sale is quiet). It also
  drops the outbox entries of orders PostgreSQL now holds, so those trims need no call of their own.

  KEYS[1] meta    hash: state ("ready" | "rebuilding"), total, limit, start, end (epoch ms), run,
                  wr ("1": the sale has a waiting room)
  KEYS[2] stock   string: items left
  KEYS[3] buyers  hash: userId -> "orderId:quantity:createdAtMs[:outboxId]" (the outbox id while
                  the order may not be in PostgreSQL yet; none when rebuilt from PostgreSQL)
  KEYS[4] outbox  stream: one entry per reservation until PostgreSQL holds it
  KEYS[5] admitted    zset of the waiting room: admitted tickets not yet used, by expiry (ms)
  KEYS[6] states      hash of the waiting room: ticket -> state (set to "u" when used)
  KEYS[7] line meta   hash of the waiting room: counts `used`
  KEYS[8 + 2i], KEYS[9 + 2i]  attempt i's shopper and client IP attempt counters in this sale
                  (abuse limits; same hash tag as the sale's keys)

  ARGV[1] limit window (ms)   ARGV[2] attempts per shopper   ARGV[3] attempts per client IP
          (per window, per sale; 0: no limit)
  ARGV[4] T, the number of outbox ids to drop, then ARGV[5 .. 4 + T] those ids
  ARGV[5 + T + 4i .. 8 + T + 4i]  attempt i: userId, orderId (made by the server, a UUIDv7, the
          order's primary key in PostgreSQL), quantity (a whole number >= 1), and the ticket of
          its admission ("" for none; its signature, bound to sale and shopper, is checked before)

  Returns {code, ...} for each attempt, in order, all in one array:
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
    {9}                                    the sale has a waiting room and no admission was given
    {10}                                   the admission is not (or no longer) admitted: expired,
                                           used, or unknown to this line
  An admission is consumed only by the attempt it reserves for: a refused attempt keeps it.
  A malformed call (counts, numbers, ids) is an error reply, raised before anything is written.

  `run` is the run_id of the Redis server run that built the state. A Redis restarted from a
  snapshot or an AOF (or a failover) has a new run_id, and its keys may be stale: stock too high,
  buyers missing. So state built by another run counts as missing, and the sale is rebuilt from
  PostgreSQL before any purchase is accepted.
]]
-- Redis does not roll back a script that fails halfway, so every argument is checked before the
-- first write: a bad call changes nothing at all.
local function whole(value, min)
  local n = tonumber(value)
  return n ~= nil and n == math.floor(n) and n >= min and n < 2 ^ 53
end
local function malformed(what)
  return redis.error_reply('ERR purchase.lua: malformed ' .. what)
end

if not (whole(ARGV[1], 1) and whole(ARGV[2], 0) and whole(ARGV[3], 0) and whole(ARGV[4], 0)) then
  return malformed('limits or trim count')
end
local trims = tonumber(ARGV[4])
local first = 5 + trims
local n = (#KEYS - 7) / 2
if n ~= math.floor(n) or #ARGV ~= first - 1 + 4 * n then return malformed('argument counts') end
for t = 5, first - 1 do
  if not string.match(ARGV[t], '^%d+%-%d+$') then return malformed('outbox id') end
end
for i = 0, n - 1 do
  local a = first + 4 * i
  if ARGV[a] == '' or ARGV[a + 1] == '' or not whole(ARGV[a + 2], 1) then
    return malformed('attempt ' .. (i + 1))
  end
end

-- In chunks: unpack has a bounded stack.
for t = 5, first - 1, 1000 do
  redis.call('XDEL', KEYS[4], unpack(ARGV, t, math.min(t + 999, first - 1)))
end

-- Per batch: the sale's state, its stock, the server run and the clock are read once.
local meta = redis.call('HMGET', KEYS[1], 'state', 'limit', 'start', 'end', 'run', 'wr')
local waitingRoom = meta[6] == '1'
local stock = redis.call('GET', KEYS[2])
local window, perShopper, perClient = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local state = 'ready'
local now, remaining, limit
if n > 0 then
  if meta[1] ~= 'ready' or not stock
    or meta[5] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
    state = 'missing'
  else
    local time = redis.call('TIME')
    now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    if now < tonumber(meta[3]) then state = 'upcoming'
    elseif now >= tonumber(meta[4]) then state = 'ended' end
    remaining = tonumber(stock)
    limit = tonumber(meta[2])
  end
end

-- Abuse limits come first (fixed windows), so a noisy client costs a counter and nothing more.
local function rateLimited(key, max)
  if max == 0 then return nil end
  local attempts = redis.call('INCR', key)
  if attempts == 1 then redis.call('PEXPIRE', key, window) end
  if attempts > max then return {8, redis.call('PTTL', key)} end
  return nil
end

local function decide(i)
  local limited = rateLimited(KEYS[8 + 2 * i], perShopper)
    or rateLimited(KEYS[9 + 2 * i], perClient)
  if limited then return limited end
  if state == 'missing' then return {7} end
  if state == 'upcoming' then return {4} end
  if state == 'ended' then return {5} end

  local a = first + 4 * i
  local userId, orderId, quantity, ticket = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local existing = redis.call('HGET', KEYS[3], userId)
  if existing then
    local outboxId = string.match(existing, '^[^:]*:[^:]*:[^:]*:(.+)$')
    local pending = outboxId and #redis.call('XRANGE', KEYS[4], outboxId, outboxId) > 0
    return {2, existing, pending and 1 or 0}
  end
  if tonumber(quantity) > limit then return {6, limit} end
  if waitingRoom then
    if ticket == '' then return {9} end
    local expires = redis.call('ZSCORE', KEYS[5], ticket)
    if not expires or tonumber(expires) <= now then return {10} end
  end
  if remaining < tonumber(quantity) then return {3, remaining} end

  remaining = redis.call('DECRBY', KEYS[2], quantity)
  local outboxId = redis.call('XADD', KEYS[4], '*',
    'o', orderId, 'u', userId, 'q', quantity, 't', now)
  redis.call('HSET', KEYS[3], userId, orderId .. ':' .. quantity .. ':' .. now .. ':' .. outboxId)
  if waitingRoom then
    redis.call('ZREM', KEYS[5], ticket)
    redis.call('HSET', KEYS[6], ticket, 'u')
    redis.call('HINCRBY', KEYS[7], 'used', 1)
  end
  return {1, remaining, now, outboxId}
end

local replies = {}
for i = 0, n - 1 do replies[i + 1] = decide(i) end
return replies
