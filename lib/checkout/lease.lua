--[[
  lease.lua: takes the expiry worker's lease when it is free, or renews it for its holder, so one
  worker at a time steps the holds of every sale, across processes and instances.

  KEYS[1] lease   ARGV[1] this worker's token   ARGV[2] lease lifetime (ms)

  Returns 1 held by this worker (taken or renewed), 0 held by another
]]
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
