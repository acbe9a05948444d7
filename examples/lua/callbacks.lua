-- Delivery callbacks. The C threads queue results; they run only when Lua
-- asks, here from a loop that also does the application's work. An event
-- loop would wait for emitter:fd() to become readable instead.
--
--   LUA_CPATH='build/bindings/lua/5.4/?.so;;' LUA_PATH='bindings/lua/src/?.lua;;' \
--     lua5.4 examples/lua/callbacks.lua http://127.0.0.1:9090
local snowplow = require("snowplow")
local core = require("snowplow.core")

local url = arg[1] or "http://127.0.0.1:9090"
local emitter = snowplow.new_emitter(url, {
  method = "POST",
  buffer_size = 5,
  max_attempts = 3, -- give up after three attempts (the default retries until delivered)
  on_success = function(count) print(count .. " events sent") end,
  on_failure = function(success_count, failed)
    print(success_count .. " sent before a failure, " .. #failed .. " failed, first " .. tostring(failed[1].eid))
  end,
})
local tracker = snowplow.new_tracker(emitter)

for frame = 1, 20 do
  tracker:track_struct_event("game", "frame", nil, nil, frame)
  emitter:dispatch() -- the callbacks of whatever was delivered meanwhile
end
-- Wait up to 2 s for the rest, dispatching as results come.
local deadline = core.monotonic_ns() + 2e9
while emitter:counter("queued") + emitter:counter("in_flight") > 0 and core.monotonic_ns() < deadline do
  emitter:dispatch(nil, 100)
end
emitter:close() -- runs the last callbacks
