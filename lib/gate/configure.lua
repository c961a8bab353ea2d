--[[
  configure.lua: applies an admin's change of a sale to its live Redis state. Stock moves by the
  change of the total, decided here against the live count, so a change can never hand out items
  that are already reserved, and running it twice changes nothing more.

  KEYS[1] meta   KEYS[2] stock

  ARGV[1] total stock   ARGV[2] per-shopper limit   ARGV[3] start (epoch ms)   ARGV[4] end (epoch ms)
  ARGV[5] waiting room: "1" on, "0" off

  Returns {1, remaining}  applied
          {0}             the sale has no live state yet, is being rebuilt, or has state of another
                          Redis server run (see purchase.lua): the caller rebuilds it from
                          PostgreSQL. Meta is marked `changed`, so a rebuild that read the sale
                          before this change reads it again before it reopens (rebuild.lua).
          {-1, reserved}  the new total is below what is already reserved: nothing changed
]]
local state = redis.call('HMGET', KEYS[1], 'state', 'total', 'run')
local stock = redis.call('GET', KEYS[2])
if state[1] ~= 'ready' or not stock or not state[2]
  or state[3] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
  redis.call('HSET', KEYS[1], 'changed', 1)
  return {0}
end

local total = tonumber(ARGV[1])
local reserved = tonumber(state[2]) - tonumber(stock)
if total < reserved then return {-1, reserved} end

redis.call('SET', KEYS[2], total - reserved)
redis.call('HSET', KEYS[1], 'total', total, 'limit', ARGV[2], 'start', ARGV[3], 'end', ARGV[4],
  'wr', ARGV[5])
return {1, total - reserved}
