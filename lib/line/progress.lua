--[[
  progress.lua: a sale's line in numbers, for its event stream and the admin stats.

  KEYS[1] line meta   KEYS[2] pre   KEYS[3] line   KEYS[4] admitted

  Returns {served, drawn (0|1), waiting (pre-queue + line), admitted (outstanding), used, expired,
           prequeued (-1: not known yet), seed ("" before the draw), drawnAt (ms, -1 before)}
]]
local m = redis.call('HMGET', KEYS[1], 'served', 'drawn', 'used', 'expired', 'prequeued', 'seed',
  'drawnAt')
return {
  tonumber(m[1] or 0),
  m[2] == '1' and 1 or 0,
  redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3]),
  redis.call('ZCARD', KEYS[4]),
  tonumber(m[3] or 0),
  tonumber(m[4] or 0),
  tonumber(m[5] or -1),
  m[6] or '',
  tonumber(m[7] or -1),
}
