--[[
  count.lua: counts one more event in a fixed window.

  KEYS[1] the counter   ARGV[1] the window (ms)

  Returns {count in this window, ms until the window ends}
]]
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
