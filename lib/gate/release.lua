--[[
  release.lua: gives a reservation's stock back, once, when PostgreSQL proved its order cannot exist
  (the shopper already has another order there, or the order is void: made before a reset's fence).
  Safe to call twice or from several processes: only the call that still finds this very
  reservation on the buyer gives stock back (a rebuild since may have replaced it: nothing to give).

  KEYS[1] stock   KEYS[2] buyers   KEYS[3] outbox

  ARGV[1] userId
  ARGV[2] orderId     the reservation to undo
  ARGV[3] quantity
  ARGV[4] the shopper's order in PostgreSQL as "orderId:quantity:createdAtMs", or "" for none
  ARGV[5] the reservation's outbox entry id, or "" if unknown

  Returns {released (1|0), remaining}
]]
local current = redis.call('HGET', KEYS[2], ARGV[1])
if ARGV[5] ~= '' then redis.call('XDEL', KEYS[3], ARGV[5]) end
if not current or string.sub(current, 1, #ARGV[2] + 1) ~= ARGV[2] .. ':' then
  return {0, tonumber(redis.call('GET', KEYS[1]) or '0')}
end
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
end
return {1, redis.call('INCRBY', KEYS[1], tonumber(ARGV[3]))}
