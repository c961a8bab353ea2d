--[[
  buyers.lua: one page of a sold-out sale's buyers, for the in-process sold-out hint
  (lib/sales/purchase.ts). The stock is read in the same atomic step: purchase.lua records a buyer
  in the step that takes its stock, so while the stock reads 0 no buyer can be added, and stock
  comes back only through release.lua, configure.lua or a rebuild, whose change notice drops every
  process's hint.

  Stock can come back and sell out again between two pages, before its notice reaches the reader,
  and a buyer added then may be missed by the pages still to come. So each page also names what
  buyers were added up to it: the outbox's last generated id (purchase.lua adds one entry with
  each buyer, and an id is never given twice, even once its entry is gone) and the fencing token
  (each rebuild, which rewrites the buyers, takes a new one). The pages make a whole snapshot only
  if every one read stock 0 and the same version.

  KEYS[1] stock   KEYS[2] buyers   KEYS[3] outbox   KEYS[4] fence

  ARGV[1] HSCAN cursor ("0" to begin)   ARGV[2] page size (HSCAN's COUNT)

  Returns {stock (-1 without state), next cursor ("0" at the end), version, userId, ...}; only the
  stock, "0" and "" once the stock is not 0
]]
local stock = tonumber(redis.call('GET', KEYS[1]) or '-1')
if stock ~= 0 then return {stock, '0', ''} end
local added = ''
if redis.call('EXISTS', KEYS[3]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[3])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then added = info[i + 1] end
  end
end
local page = redis.call('HSCAN', KEYS[2], ARGV[1], 'COUNT', tonumber(ARGV[2]))
local out = {0, page[1], (redis.call('GET', KEYS[4]) or '0') .. '/' .. added}
for i = 1, #page[2], 2 do out[#out + 1] = page[2][i] end
return out
