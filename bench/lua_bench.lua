#!/usr/bin/env lua
--- Benchmark of the Lua binding (require "snowplow").
--
-- The event: a self-describing event with one context entity, built from
-- tables and tracked the way an application does it:
--
--   tracker:track_self_describing_event(SCHEMA, data, { { schema = ENTITY, data = entity } })
--
-- 1. Caller cost: the monotonic clock around each call, --calls calls (default
--    100000); median and p99 in microseconds. The sending threads deliver
--    meanwhile, as in an application.
-- 2. End to end: --events events (default 100000) tracked as fast as possible
--    (the tables built up front), then a blocking flush; events per second from
--    the first track until the collector acknowledged every event.
--
--   LUA_CPATH='build/bindings/lua/5.4/?.so;;' LUA_PATH='bindings/lua/src/?.lua;;' \
--     lua5.4 bench/lua_bench.lua --collector http://127.0.0.1:8080
--
-- bench/run.sh starts a loopback sink and passes its URL. Prints a summary and,
-- last, one JSON line with every number.
local snowplow = require("snowplow")
local core = require("snowplow.core")
local json = snowplow.json

local SCHEMA = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
local ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"

local opt = { collector = os.getenv("SNOWPLOW_BENCH_COLLECTOR"), calls = 100000, events = 100000, batch_size = 100, threads = 2, capacity = 200000 }
local names = { ["--collector"] = "collector", ["--calls"] = "calls", ["--events"] = "events",
                ["--batch-size"] = "batch_size", ["--threads"] = "threads", ["--capacity"] = "capacity" }
local i = 1
while i <= #arg do
  local key = names[arg[i]]
  if not key or arg[i + 1] == nil then
    io.stderr:write("usage: lua bench/lua_bench.lua --collector URL [--calls N] [--events N] ",
      "[--batch-size N] [--threads N] [--capacity N]\n")
    os.exit(2)
  end
  opt[key] = key == "collector" and arg[i + 1] or math.floor(tonumber(arg[i + 1]))
  i = i + 2
end
if not opt.collector then
  io.stderr:write("--collector URL is required\n")
  os.exit(2)
end

local function data(n)
  return { name = "checkout", count = n, price = 19.99, flag = true, note = snowplow.null, text = "bench ć" }
end

local function entity(n)
  return { id = "session-42", n = n, tags = { "a", "b" } }
end

local function make_tracker()
  local emitter = snowplow.new_emitter(opt.collector, { method = "POST", buffer_size = opt.batch_size,
    thread_count = opt.threads, buffer_capacity = opt.capacity })
  return emitter, snowplow.new_tracker(emitter, { namespace = "bench", app_id = "lua-bench" })
end

local now = core.monotonic_ns

local function caller_cost()
  local emitter, tracker = make_tracker()
  for n = 1, math.min(2000, opt.calls) do -- warm up
    tracker:track_self_describing_event(SCHEMA, data(n), { { schema = ENTITY, data = entity(n) } })
  end
  tracker:flush()
  local samples = {}
  for n = 1, opt.calls do
    local start = now()
    tracker:track_self_describing_event(SCHEMA,
      { name = "checkout", count = n, price = 19.99, flag = true, note = snowplow.null, text = "bench ć" },
      { { schema = ENTITY, data = { id = "session-42", n = n, tags = { "a", "b" } } } })
    samples[n] = now() - start
  end
  tracker:flush()
  local c = emitter:counters()
  emitter:close()
  table.sort(samples)
  local sum = 0
  for _, s in ipairs(samples) do sum = sum + s end
  return { calls = opt.calls, median_us = samples[math.floor(#samples / 2) + 1] / 1000,
           p99_us = samples[math.min(#samples, math.floor(#samples * 0.99 + 0.5))] / 1000,
           mean_us = sum / #samples / 1000, refused_full = c.dropped, sent = c.sent, failed = c.failed }
end

local function end_to_end()
  local emitter, tracker = make_tracker()
  local events = {}
  for n = 1, 1000 do events[n] = { data(n), { { schema = ENTITY, data = entity(n) } } } end
  local before, dropped_before = emitter:counter("sent"), emitter:counter("dropped")
  local start = now()
  for n = 1, opt.events do
    local e = events[(n - 1) % 1000 + 1]
    tracker:track_self_describing_event(SCHEMA, e[1], e[2])
  end
  local tracked = now()
  tracker:flush()
  local done = now()
  local c = emitter:counters()
  emitter:close()
  local sent = c.sent - before
  return { events = opt.events, sent = sent, failed = c.failed, refused_full = c.dropped - dropped_before,
           track_seconds = (tracked - start) / 1e9, total_seconds = (done - start) / 1e9,
           track_events_per_s = opt.events / ((tracked - start) / 1e9), events_per_s = sent / ((done - start) / 1e9) }
end

local cost = caller_cost()
local e2e = end_to_end()
print(string.format("snowplow %s, %s", snowplow.VERSION, _VERSION))
print(string.format("caller: track_self_describing_event(+ 1 context, from tables): median %.2f us, p99 %.2f us "
  .. "over %d calls (%d refused: queue full)", cost.median_us, cost.p99_us, cost.calls, cost.refused_full))
print(string.format("end to end: %d events in %.2f s = %.0f events/s (tracking alone %.0f events/s; sent %d, "
  .. "failed %d, refused %d)", e2e.events, e2e.total_seconds, e2e.events_per_s, e2e.track_events_per_s,
  e2e.sent, e2e.failed, e2e.refused_full))
print(json.encode({ binding = "lua", lua = _VERSION, version = snowplow.VERSION, batch_size = opt.batch_size,
                    threads = opt.threads, caller = cost, end_to_end = e2e }))
