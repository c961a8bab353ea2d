-- Adds one process's counter increments since its last flush to the deployment's totals, and
-- records its gauges. Totals only ever grow, so every process reads the same monotonic numbers;
-- only a past sale's series are deleted, whole (with their baselines).
-- KEYS[1] counters hash: series -> total
-- KEYS[2] gauges hash: process id -> JSON of that process's gauges
-- KEYS[3] seen hash: process id -> Redis time (ms) of its last flush
-- KEYS[4] baselines hash: series -> its total at the sale's last reset (metrics_baseline.lua)
-- ARGV[1] process id
-- ARGV[2] its gauges as JSON, or '' when the process is leaving (its gauges are dropped)
-- ARGV[3] ms after which a process that stopped flushing (killed) counts as gone
-- ARGV[4..] series, increment pairs; the increment 'drop' deletes the series (a past sale's)
-- Returns the number of processes whose gauges are kept.
-- HINCRBYFLOAT for every series: histogram sums are fractional, and it adds integers exactly.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == 'drop' then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[4], ARGV[i])
  else
    redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[1], now)
end
local seen = redis.call('HGETALL', KEYS[3])
local kept = 0
for i = 1, #seen, 2 do
  if now - tonumber(seen[i + 1]) > tonumber(ARGV[3]) then
    redis.call('HDEL', KEYS[3], seen[i])
    redis.call('HDEL', KEYS[2], seen[i])
  else
    kept = kept + 1
  end
end
return kept
