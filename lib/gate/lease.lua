--[[
  lease.lua: renews a rebuild's lease (hold.lua) while the rebuild works, so a PostgreSQL step
  that takes longer than the lease does not let a second rebuild reopen the sale meanwhile.

  KEYS[1] lease   ARGV[1] fencing token   ARGV[2] lease lifetime (ms)

  Returns 1 renewed, or 0 if the lease is no longer this rebuild's (it lapsed; PostgreSQL's fence
  then refuses this rebuild's steps once a newer one has reached it)
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
