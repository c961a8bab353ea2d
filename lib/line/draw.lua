--[[
  draw.lua: the draw of the pre-queue at the start, in steps, by the holder of the admitter lease
  (every step checks it: an admitter whose lease lapsed writes nothing). The order is a function of
  the seed (lib/line/draw.ts), so an admitter that takes over mid-draw writes the same numbers, and
  anyone holding the seed and the tickets can check it.

  KEYS[1] lease   KEYS[2] sale meta   KEYS[3] line meta   KEYS[4] pre   KEYS[5] line
  KEYS[6] numbers

  ARGV[1] admitter token   ARGV[2] step, then:
    "begin" ARGV[3] a fresh seed: kept unless one was drawn already
        -> {1, seed, pre-queue size} | {2} drawn already | {-1} the sale has not started
    "read"  ARGV[3] offset ARGV[4] count -> {1, ticket...} the pre-queue by arrival
    "write" ARGV[3..] pairs ticket, number -> {1}
    "end"   -> {1}: the line is drawn, admissions may start
  Any step returns {0} when the lease is not this admitter's.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
local step = ARGV[2]
if step == 'begin' then
  if redis.call('HGET', KEYS[3], 'drawn') == '1' then return {2} end
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local start = tonumber(redis.call('HGET', KEYS[2], 'start'))
  if not start or now < start then return {-1} end
  redis.call('HSETNX', KEYS[3], 'seed', ARGV[3])
  redis.call('HSETNX', KEYS[3], 'drawnAt', now)
  redis.call('HSETNX', KEYS[3], 'prequeued', redis.call('ZCARD', KEYS[4]))
  return {1, redis.call('HGET', KEYS[3], 'seed'), tonumber(redis.call('HGET', KEYS[3], 'prequeued'))}
elseif step == 'read' then
  local offset = tonumber(ARGV[3])
  local members = redis.call('ZRANGE', KEYS[4], offset, offset + tonumber(ARGV[4]) - 1)
  table.insert(members, 1, 1)
  return members
elseif step == 'write' then
  for i = 3, #ARGV, 2 do
    redis.call('ZADD', KEYS[5], ARGV[i + 1], ARGV[i])
    redis.call('HSET', KEYS[6], ARGV[i], ARGV[i + 1])
  end
  return {1}
elseif step == 'end' then
  redis.call('HSET', KEYS[3], 'drawn', 1)
  redis.call('DEL', KEYS[4])
  return {1}
end
return redis.error_reply('ERR draw.lua: unknown step')
