--[[
  hold.lua: the first step of a rebuild. Takes the sale's rebuild lock and stops purchases (state
  "rebuilding"), then reports what Redis held, for the drift report. From here until rebuild.lua
  ends the hold, purchase.lua refuses with a retryable code, so no reservation can slip between
  draining the outbox and counting PostgreSQL.

  KEYS[1] meta   KEYS[2] stock   KEYS[3] buyers   KEYS[4] outbox   KEYS[5] lock

  ARGV[1] lock token   ARGV[2] lock lifetime (ms): a crashed rebuilder's hold ends by itself

  Returns {1, hadState (1|0), stock or -1, buyers, outbox length, now (epoch ms)}   held
          {0}                                                      another rebuild holds the lock
]]
local owner = redis.call('GET', KEYS[5])
if owner and owner ~= ARGV[1] then return {0} end
redis.call('SET', KEYS[5], ARGV[1], 'PX', tonumber(ARGV[2]))
local hadState = redis.call('HEXISTS', KEYS[1], 'total')
local stock = redis.call('GET', KEYS[2])
redis.call('HSET', KEYS[1], 'state', 'rebuilding')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return {1, hadState, tonumber(stock or '-1'), redis.call('HLEN', KEYS[3]), redis.call('XLEN', KEYS[4]),
  now}
