--[[
  join.lua: puts a shopper in a sale's line, once. Before the start the ticket goes to the
  pre-queue, whose order is drawn at the start (draw.lua); from the start on it takes the next
  number behind everyone who came before. The sale's window is read from its Redis state and the
  clock is Redis server TIME, as purchase.lua does, so every process decides alike. The pre-queue
  closes for good at the start: a start moved later after it (or after the draw began) opens it
  no more, and those who join before the new start take numbers behind the drawn line.

  A shopper whose ticket was used and who holds no order any more (their checkout hold expired or
  was cancelled, and its stock went back: they left the sale's buyers) joins anew, at the back:
  letting a hold lapse never jumps the line. Their old ticket stays `used`.

  KEYS[1] sale meta   KEYS[2] line meta   KEYS[3] users   KEYS[4] owners   KEYS[5] states
  KEYS[6] numbers     KEYS[7] pre         KEYS[8] line    KEYS[9] the sale's buyers
  (lib/gate/keys.ts names them; all under the sale's hash tag)

  ARGV[1] userId   ARGV[2] a new ticket (random, made by the server)   ARGV[3] pre-queue length (ms)

  Returns {1, ticket, number}  joined (number -1 in the pre-queue: drawn at the start)
          {0, ticket}          the shopper had joined already: their ticket (waiting, admitted,
                               expired, or used for the order they hold)
          {-1}                 the line is not open yet      {-2} the sale has ended
          {-3}                 the sale's state is missing or being rebuilt: retry
          {-4}                 the sale has no waiting room (its Redis state says so)
]]
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing and (redis.call('HGET', KEYS[5], existing) ~= 'u'
    or redis.call('HEXISTS', KEYS[9], ARGV[1]) == 1) then
  return {0, existing}
end

local meta = redis.call('HMGET', KEYS[1], 'state', 'start', 'end', 'run', 'wr')
if meta[1] ~= 'ready' or meta[4] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
  return {-3}
end
if meta[5] ~= '1' then return {-4} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local start = tonumber(meta[2])
if now < start - tonumber(ARGV[3]) then return {-1} end
if now >= tonumber(meta[3]) then return {-2} end

local ticket = ARGV[2]
redis.call('HSET', KEYS[3], ARGV[1], ticket)
redis.call('HSET', KEYS[4], ticket, ARGV[1])
redis.call('HSET', KEYS[5], ticket, 'w')
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
-- `prequeued` is set once the start came (by the draw, or by the first join after it): a ticket
-- put in the pre-queue after that would never be drawn.
if now < start and redis.call('HEXISTS', KEYS[2], 'prequeued') == 0 then
  redis.call('ZADD', KEYS[7], seq, ticket)
  return {1, ticket, -1}
end
-- From the start on the pre-queue cannot grow: its size, taken once, is where later numbers begin.
redis.call('HSETNX', KEYS[2], 'prequeued', redis.call('ZCARD', KEYS[7]))
local number = tonumber(redis.call('HGET', KEYS[2], 'prequeued'))
  + redis.call('HINCRBY', KEYS[2], 'post', 1)
redis.call('ZADD', KEYS[8], number, ticket)
redis.call('HSET', KEYS[6], ticket, number)
return {1, ticket, number}
