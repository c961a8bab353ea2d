--[[
  rebuild.lua: writes a sale's state as PostgreSQL has it, in chunks of buyers, while hold.lua's
  lease is held. The first chunk clears the buyers; the last one sets stock and meta and reopens
  the sale, unless an admin changed the sale's settings since the hold (configure.lua marks meta
  `changed`): then the settings this rebuild read may be old, and it reads PostgreSQL again.
  With ARGV[2] = "abort" it only reopens a sale whose state was complete and unchanged (or leaves
  it closed) and drops the lease; "close" drops the lease and leaves the sale closed, for a reset
  that may have cleared PostgreSQL: the state from before it must never sell again. A closed sale
  is rebuilt from PostgreSQL by the next purchase (purchase.lua answers SALE_REBUILDING).

  KEYS[1] meta   KEYS[2] stock   KEYS[3] buyers   KEYS[4] lease

  ARGV[1] fencing token (the lease's value)
  ARGV[2] step: "first" | "middle" | "last" | "only" (first and last) | "abort" | "close"
  ARGV[3] stock   ARGV[4] total   ARGV[5] limit   ARGV[6] start ms   ARGV[7] end ms
  ARGV[8] waiting room: "1" on, "0" off
  ARGV[9..] pairs: userId, "orderId:quantity:createdAtMs"

  Returns 1 written, 0 if the lease is no longer this rebuild's (nothing written), or 2 if the
  settings changed since the hold (nothing of the last step written; the lease is still held)

  The last step stamps meta with this Redis server run's run_id (see purchase.lua): the state is
  known good for this run only.
]]
if redis.call('GET', KEYS[4]) ~= ARGV[1] then return 0 end
local step = ARGV[2]
if step == 'abort' or step == 'close' then
  if step == 'abort' and redis.call('HEXISTS', KEYS[1], 'changed') == 0
    and redis.call('HEXISTS', KEYS[1], 'total') == 1 and redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('HSET', KEYS[1], 'state', 'ready')
  end
  redis.call('DEL', KEYS[4])
  return 1
end
if step == 'first' or step == 'only' then redis.call('DEL', KEYS[3]) end
for i = 9, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
end
if step == 'last' or step == 'only' then
  if redis.call('HDEL', KEYS[1], 'changed') == 1 then return 2 end
  redis.call('SET', KEYS[2], ARGV[3])
  redis.call('HSET', KEYS[1], 'total', ARGV[4], 'limit', ARGV[5], 'start', ARGV[6], 'end', ARGV[7],
    'wr', ARGV[8], 'state', 'ready', 'run', string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'))
  redis.call('DEL', KEYS[4])
end
return 1
