-- wrk: every request is a purchase by a shopper never seen before (ids unique per thread).
-- Usage: wrk -s purchase.lua URL -- /api/sales/<id>/purchase <run-id>
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  prefix = args[2] .. "-" .. tid .. "-"
  counter = 0
end

function request()
  counter = counter + 1
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" },
    '{"userId":"' .. prefix .. counter .. '"}')
end
