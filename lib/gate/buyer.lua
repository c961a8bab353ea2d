--[[
  buyer.lua: a shopper's reservation as Redis holds it, for reading an order that may not be in
  PostgreSQL yet. Pending exactly as purchase.lua answers ALREADY_PURCHASED: while its outbox entry
  is there.

  KEYS[1] buyers   KEYS[2] outbox

  ARGV[1] userId

  Returns {buyer "orderId:quantity:createdAtMs[:outboxId]", pending (1|0)}, or {} for none
]]
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing then return {} end
local outboxId = string.match(existing, '^[^:]*:[^:]*:[^:]*:(.+)$')
local pending = outboxId and #redis.call('XRANGE', KEYS[2], outboxId, outboxId) > 0
return {existing, pending and 1 or 0}
