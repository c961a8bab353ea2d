-- Starts a sale's purchase outcomes again at its reset, as the stats routes read them, while the
-- Prometheus totals count on: records each of the sale's series at its total now, and the stats
-- show the total minus this baseline. Atomic with respect to the flushes (metrics_flush.lua), so
-- every count a flush added before it is left out of the stats, and every later one is in.
-- KEYS[1] counters hash: series -> total (metrics_flush.lua)
-- KEYS[2] baselines hash: series -> its total at the sale's last reset
-- ARGV[1] the sale's series prefix: flashsale_purchases_total{sale="<id>",result="
-- Returns the number of series recorded.
local counters = redis.call('HGETALL', KEYS[1])
local prefix = ARGV[1]
local recorded = 0
for i = 1, #counters, 2 do
  if string.sub(counters[i], 1, #prefix) == prefix then
    redis.call('HSET', KEYS[2], counters[i], counters[i + 1])
    recorded = recorded + 1
  end
end
return recorded
