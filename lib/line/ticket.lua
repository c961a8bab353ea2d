--[[
  ticket.lua: reads one ticket of a sale's line, and what its answer depends on.

  KEYS[1] line meta   KEYS[2] owners   KEYS[3] states   KEYS[4] numbers   KEYS[5] admitted
  KEYS[6] the sale's stock   KEYS[7] admittedSeq

  ARGV[1] ticket

  Returns {0} for a ticket the line does not hold, else
    {1, userId, state ("w" | "a" | "u" | "x"), number (-1: not drawn yet), served,
     admission expiry (ms, -1: none), stock (-1: no state), Redis time (ms),
     admittedSeq (-1: not admitted yet)}
]]
local owner = redis.call('HGET', KEYS[2], ARGV[1])
if not owner then return {0} end
local time = redis.call('TIME')
return {
  1,
  owner,
  redis.call('HGET', KEYS[3], ARGV[1]) or 'w',
  tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or -1),
  tonumber(redis.call('HGET', KEYS[1], 'served') or 0),
  tonumber(redis.call('ZSCORE', KEYS[5], ARGV[1]) or -1),
  tonumber(redis.call('GET', KEYS[6]) or -1),
  tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000),
  tonumber(redis.call('HGET', KEYS[7], ARGV[1]) or -1),
}
