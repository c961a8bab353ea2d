--[[
  floor.lua: the least a purchase does in Redis, for the purchase floor of `deno task bench`
  (loadtest/floor_server.ts). For each attempt of a batch, in order: a shopper's first attempt
  takes an item if one is left and enters the outbox; any later one is refused. No window, limit,
  rebuild or waiting-room check, no trims.

  KEYS[1] stock (string)   KEYS[2] buyers (hash: userId -> orderId)   KEYS[3] outbox (stream)
  ARGV    userId, orderId of each attempt
  Returns a code per attempt: 1 reserved, 2 the shopper has an order, 3 sold out.
]]
local codes = {}
for i = 1, #ARGV, 2 do
  local userId, orderId = ARGV[i], ARGV[i + 1]
  if redis.call('HSETNX', KEYS[2], userId, orderId) == 0 then
    codes[#codes + 1] = 2
  elseif redis.call('DECR', KEYS[1]) < 0 then
    redis.call('INCR', KEYS[1])
    redis.call('HDEL', KEYS[2], userId)
    codes[#codes + 1] = 3
  else
    redis.call('XADD', KEYS[3], '*', 'o', orderId, 'u', userId)
    codes[#codes + 1] = 1
  end
end
return codes
