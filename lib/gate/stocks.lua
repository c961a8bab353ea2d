--[[
  stocks.lua: the stock of several sales in one call, for the in-process stock snapshot
  (lib/sales/stock.ts): one Redis read per refresh, however many sales and readers there are.
  MGET in slices, because unpack() of a very long key list overflows Lua's stack.

  KEYS  each sale's stock key

  Returns one value per key, in order: the stock, or nil for a sale without state
]]
local out = {}
for first = 1, #KEYS, 1000 do
  local part = redis.call('MGET', unpack(KEYS, first, math.min(first + 999, #KEYS)))
  for i = 1, #part do out[first + i - 1] = part[i] end
end
return out
