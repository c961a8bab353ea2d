--[[
  purchase.lua: decides one purchase attempt atomically, in one round trip.

  KEYS[1] meta    hash: state ("ready" | "rebuilding"), total, limit, start, end (epoch ms)
  KEYS[2] stock   string: items left
  KEYS[3] buyers  hash: userId -> "orderId:quantity:createdAtMs"
  KEYS[4] outbox  stream: one entry per reservation until PostgreSQL holds it

  ARGV[1] userId
  ARGV[2] orderId   made by the server (UUIDv7), the order's primary key in PostgreSQL
  ARGV[3] quantity  1..limit

  Returns {code, ...}:
    {1, remaining, createdAtMs, outboxId}  reserved: stock decremented, buyer and outbox recorded
    {2, "orderId:quantity:createdAtMs"}    the shopper already has an order in this sale
    {3, remaining}                         not enough stock left for this quantity
    {4}                                    the sale has not started (Redis server time)
    {5}                                    the sale has ended
    {6, limit}                             quantity above the per-shopper limit
    {7}                                    the sale's keys are missing or being rebuilt: retry
]]
local meta = redis.call('HMGET', KEYS[1], 'state', 'limit', 'start', 'end')
local stock = redis.call('GET', KEYS[2])
if meta[1] ~= 'ready' or not stock then
  return {7}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now < tonumber(meta[3]) then return {4} end
if now >= tonumber(meta[4]) then return {5} end

local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return {2, existing} end

local quantity = tonumber(ARGV[3])
if quantity > tonumber(meta[2]) then return {6, tonumber(meta[2])} end

local remaining = tonumber(stock)
if remaining < quantity then return {3, remaining} end

remaining = redis.call('DECRBY', KEYS[2], quantity)
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. ':' .. ARGV[3] .. ':' .. now)
local outboxId = redis.call('XADD', KEYS[4], '*', 'o', ARGV[2], 'u', ARGV[1], 'q', ARGV[3], 't', now)
return {1, remaining, now, outboxId}
