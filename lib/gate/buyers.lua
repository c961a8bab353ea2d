--[[
  buyers.lua: one page of a sold-out sale's buyers, for the in-process sold-out hint
  (lib/sales/purchase.ts). The stock is read in the same atomic step: purchase.lua records a buyer
  in the step that takes its stock, so while the stock reads 0 no buyer can be added, and stock
  comes back only through release.lua or a rebuild, whose change notice drops every process's hint.

  KEYS[1] stock   KEYS[2] buyers

  ARGV[1] HSCAN cursor ("0" to begin)   ARGV[2] page size (HSCAN's COUNT)

  Returns {stock (-1 without state), next cursor ("0" at the end), userId, ...}; only the stock
  and "0" once the stock is not 0
]]
local stock = tonumber(redis.call('GET', KEYS[1]) or '-1')
if stock ~= 0 then return {stock, '0'} end
local page = redis.call('HSCAN', KEYS[2], ARGV[1], 'COUNT', tonumber(ARGV[2]))
local out = {0, page[1]}
for i = 1, #page[2], 2 do out[#out + 1] = page[2][i] end
return out
