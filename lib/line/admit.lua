--[[
  admit.lua: one step of the admitter, run by whichever process holds the sale's admitter lease
  (it takes a free lease, and renews its own). Admissions unused past their lifetime expire and
  free their slots; then the earliest waiting tickets are admitted while
  outstanding admissions < remaining stock × overbook.

  KEYS[1] lease   KEYS[2] sale meta   KEYS[3] stock   KEYS[4] line meta   KEYS[5] line
  KEYS[6] admitted   KEYS[7] states   KEYS[8] admittedSeq (ticket -> `served` as it admitted the
  ticket: its place in the order admissions went out)

  ARGV[1] this admitter's token   ARGV[2] lease (ms)   ARGV[3] overbook   ARGV[4] admission
  lifetime (ms)   ARGV[5] tickets admitted per step at most

  Returns {0}           another admitter holds the lease: nothing done
          {1, admitted} done (admitted: tickets moved from the line this step)
          {2}           the sale has started and its pre-queue is not drawn yet (draw.lua first)
          {3}           the sale's state is missing, being rebuilt, or was built by another Redis
                        server run (see purchase.lua): nobody is admitted until it is rebuilt
                        from PostgreSQL, which the caller starts
]]
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local gone = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now, 'LIMIT', 0, 1000)
for _, ticket in ipairs(gone) do
  redis.call('ZREM', KEYS[6], ticket)
  redis.call('HSET', KEYS[7], ticket, 'x')
end
if #gone > 0 then redis.call('HINCRBY', KEYS[4], 'expired', #gone) end

local meta = redis.call('HMGET', KEYS[2], 'state', 'start', 'run')
local stock = redis.call('GET', KEYS[3])
-- Stock of a lost, half-built or stale state (a restart from an old snapshot) is no count to admit
-- by: the line waits for the rebuild.
if meta[1] ~= 'ready' or not stock
  or meta[3] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
  return {3}
end
if now < tonumber(meta[2]) then return {1, 0} end
if redis.call('HGET', KEYS[4], 'drawn') ~= '1' then return {2} end

-- The small epsilon keeps 5 × 1.2 from flooring to 5 through binary rounding.
local room = math.floor(tonumber(stock) * tonumber(ARGV[3]) + 1e-9) - redis.call('ZCARD', KEYS[6])
room = math.min(room, tonumber(ARGV[5]))
if room <= 0 then return {1, 0} end
local next = redis.call('ZPOPMIN', KEYS[5], room)
local expires = now + tonumber(ARGV[4])
local served = tonumber(redis.call('HGET', KEYS[4], 'served') or 0)
for i = 1, #next, 2 do
  redis.call('ZADD', KEYS[6], expires, next[i])
  redis.call('HSET', KEYS[7], next[i], 'a')
  redis.call('HSET', KEYS[8], next[i], served + (i + 1) / 2)
end
local admitted = #next / 2
if admitted > 0 then redis.call('HINCRBY', KEYS[4], 'served', admitted) end
return {1, admitted}
