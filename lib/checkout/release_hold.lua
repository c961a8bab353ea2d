--[[
  release_hold.lua: gives the stock of an ended hold (expired or cancelled in PostgreSQL) back,
  once. Only while Redis's buyer entry still names that very order: a repeat, from any process,
  gives nothing, and so does state rebuilt from PostgreSQL after the hold ended (the count left it
  out). Only into state that is `ready` and was built by this Redis server run (as purchase.lua
  checks): a rebuild under way may have counted the hold live before it ended and would write its
  buyer back with its stock taken, so the release waits for the rebuild's state and then finds the
  buyer there; stale state from another run is rebuilt first.

  KEYS[1] meta   KEYS[2] stock   KEYS[3] buyers

  ARGV[1] userId   ARGV[2] orderId (the ended hold)   ARGV[3] quantity

  Returns {1, remaining}  given back: the buyer entry is gone, its stock is back
          {0, remaining}  nothing to give: the buyer entry names another order, or none
          {2}             retry after a rebuild: the sale's state is missing, being rebuilt, or
                          built by another Redis server run (nothing written)
]]
local meta = redis.call('HMGET', KEYS[1], 'state', 'run')
local stock = redis.call('GET', KEYS[2])
if meta[1] ~= 'ready' or not stock
  or meta[2] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
  return {2}
end
local current = redis.call('HGET', KEYS[3], ARGV[1])
if not current or string.sub(current, 1, #ARGV[2] + 1) ~= ARGV[2] .. ':' then
  return {0, tonumber(stock)}
end
redis.call('HDEL', KEYS[3], ARGV[1])
return {1, redis.call('INCRBY', KEYS[2], tonumber(ARGV[3]))}
