--[[
  rebuild.lua: writes a sale's state as PostgreSQL has it, in chunks of buyers, while hold.lua's
  lock is held. The first chunk clears the buyers; the last one sets stock and meta and reopens
  the sale. With ARGV[2] = "abort" it only reopens a sale whose state was complete (or leaves a
  sale with no state closed) and drops the lock.

  KEYS[1] meta   KEYS[2] stock   KEYS[3] buyers   KEYS[4] lock

  ARGV[1] lock token
  ARGV[2] step: "first" | "middle" | "last" | "only" (first and last) | "abort"
  ARGV[3] stock   ARGV[4] total   ARGV[5] limit   ARGV[6] start ms   ARGV[7] end ms
  ARGV[8..] pairs: userId, "orderId:quantity:createdAtMs"

  Returns 1, or 0 if the lock is no longer this rebuild's (nothing written)

  The last step stamps meta with this Redis server run's run_id (see purchase.lua): the state is
  known good for this run only.
]]
if redis.call('GET', KEYS[4]) ~= ARGV[1] then return 0 end
local step = ARGV[2]
if step == 'abort' then
  if redis.call('HEXISTS', KEYS[1], 'total') == 1 and redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('HSET', KEYS[1], 'state', 'ready')
  end
  redis.call('DEL', KEYS[4])
  return 1
end
if step == 'first' or step == 'only' then redis.call('DEL', KEYS[3]) end
for i = 8, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
end
if step == 'last' or step == 'only' then
  redis.call('SET', KEYS[2], ARGV[3])
  redis.call('HSET', KEYS[1], 'total', ARGV[4], 'limit', ARGV[5], 'start', ARGV[6], 'end', ARGV[7],
    'state', 'ready', 'run', string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'))
  redis.call('DEL', KEYS[4])
end
return 1
