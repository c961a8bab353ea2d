--[[
  hold.lua: the first step of a rebuild. Takes the sale's rebuild lease and stops purchases (state
  "rebuilding"), then reports what Redis held, for the drift report. From here until rebuild.lua
  ends the hold, purchase.lua refuses with a retryable code, so no reservation can slip between
  draining the outbox and counting PostgreSQL.

  Each hold gets a fencing token, higher than any before it for this sale: PostgreSQL refuses the
  steps of a rebuild whose token is lower than one it has seen (orders.sql claimCount, claimReset),
  so a rebuild whose lease lapsed while it stalled cannot undo the work of the one that took over.
  The token is at least the Redis time in microseconds, so it keeps rising even after Redis lost
  the counter with its data.

  KEYS[1] meta   KEYS[2] stock   KEYS[3] buyers   KEYS[4] outbox   KEYS[5] lease   KEYS[6] fence

  ARGV[1] lease lifetime (ms): lease.lua renews it while the rebuild works; a crashed rebuilder's
          hold ends by itself

  Returns {1, hadState (1|0), stock or -1, buyers, outbox length, now (epoch ms), token}   held
          {0}                                                another rebuild holds the lease
]]
if redis.call('EXISTS', KEYS[5]) == 1 then return {0} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local micros = tonumber(time[1]) * 1000000 + tonumber(time[2])
-- %.0f: integers up to 2^53 print exactly (tostring would use an exponent).
local token = string.format('%.0f', math.max(tonumber(redis.call('GET', KEYS[6]) or '0') + 1, micros))
redis.call('SET', KEYS[6], token)
redis.call('SET', KEYS[5], token, 'PX', tonumber(ARGV[1]))
local hadState = redis.call('HEXISTS', KEYS[1], 'total')
local stock = redis.call('GET', KEYS[2])
-- Settings changed before this hold are read from PostgreSQL by this rebuild (see configure.lua).
redis.call('HDEL', KEYS[1], 'changed')
redis.call('HSET', KEYS[1], 'state', 'rebuilding')
return {1, hadState, tonumber(stock or '-1'), redis.call('HLEN', KEYS[3]), redis.call('XLEN', KEYS[4]),
  now, token}
