--- snowplow.nginx: one tracker per nginx worker, made safe for nginx's
-- process model (lua-nginx-module, Lua 5.1 API on LuaJIT):
--
--   init_worker_by_lua_block { require("snowplow.nginx").init_worker("http://collector:8080",
--                                                                    { app_id = "web" }) }
--   log_by_lua_block         { require("snowplow.nginx").track_page_view(ngx.var.uri) }
--   exit_worker_by_lua_block { require("snowplow.nginx").exit_worker() }
--
-- * track_struct_event, track_page_view and track_self_describing_event of
--   this module only store the event in the worker's buffer (a few table
--   writes); the buffer goes to the tracker in one C call every
--   handover_interval seconds (0.05), when it holds buffer_events (4096),
--   and at worker exit. The cheapest way to track per request: see
--   snowplow.event_buffer. require("snowplow.nginx").tracker:track_*() works
--   too, and tracks at once.
-- * The tracker (and the C library's sending threads) is made in the worker,
--   after nginx forked: threads do not survive fork(), so init_worker()
--   refuses any other phase.
-- * Tracking only queues the event (no I/O, no lock held while sending); a
--   full queue drops the event and reports it, never blocks: full_policy
--   "block" is refused.
-- * Callbacks (on_success, on_failure, on_result) run in the worker's Lua,
--   from an ngx.timer that calls emitter:dispatch() every `dispatch_interval`
--   seconds, never from the sending threads.
-- * exit_worker() flushes for at most `exit_timeout_ms`, then reports what is
--   left through on_failure (the default on_failure logs a warning).
-- See docs/lua.md, "Lua in nginx".
local snowplow = require("snowplow")
local event_buffer = require("snowplow.event_buffer")

local M = {}

--- Defaults: seconds between dispatches; flush bound at worker exit (ms);
-- events held by the buffered track functions before they are handed over,
-- at the latest every handover_interval seconds.
M.DISPATCH_INTERVAL = 0.1
M.EXIT_TIMEOUT_MS = 3000
M.BUFFER_EVENTS = 4096
M.HANDOVER_INTERVAL = 0.05
--- Events per POST, and bytes per POST, when init_worker() gets a URL and no
-- buffer_size: the library's default batch (10) costs the sending thread
-- about 3 us per event in nginx, 100 about 1.0 us, 400 about 0.65 us
-- (docs/performance.md, "Lua in nginx"). 400 struct events of about 220 bytes
-- need more than the library's 40000-byte byte_limit, which also bounds a
-- single event (docs/lua.md).
M.BATCH_SIZE = 400
M.BYTE_LIMIT = 160000

local function fail(msg)
  error("snowplow.nginx: " .. msg, 0)
end

-- The default on_failure: one warning per failed request.
local function log_failure(success_count, failed_events)
  ngx.log(ngx.WARN, "snowplow: ", #failed_events, " events not delivered (", success_count,
    " of the request delivered)")
end

--- Create this worker's tracker; call it from init_worker_by_lua_block.
-- `target` and `options` are those of snowplow.new_tracker() (a collector URL
-- with emitter and tracker options, or emitters), plus `dispatch_interval`
-- (seconds, default 0.1) and `exit_timeout_ms` (default 3000). Returns the
-- tracker, also kept as require("snowplow.nginx").tracker.
function M.init_worker(target, options)
  if type(ngx) ~= "table" or ngx.get_phase() ~= "init_worker" then
    fail("init_worker() must run in init_worker_by_lua_block (after nginx forks its workers), not in phase "
      .. (type(ngx) == "table" and ngx.get_phase() or "outside nginx"))
  end
  if M.tracker then fail("init_worker() already ran in this worker") end
  local opts = {}
  for k, v in pairs(options or {}) do opts[k] = v end
  local interval = opts.dispatch_interval or M.DISPATCH_INTERVAL
  local handover_interval = opts.handover_interval or M.HANDOVER_INTERVAL
  local buffer_events = opts.buffer_events or M.BUFFER_EVENTS
  M.exit_timeout_ms = opts.exit_timeout_ms or M.EXIT_TIMEOUT_MS
  opts.dispatch_interval, opts.exit_timeout_ms, opts.handover_interval, opts.buffer_events = nil, nil, nil, nil
  if type(interval) ~= "number" or interval <= 0 then fail("dispatch_interval: expected seconds > 0") end
  if type(handover_interval) ~= "number" or handover_interval <= 0 then
    fail("handover_interval: expected seconds > 0")
  end
  if opts.full_policy == "block" then
    fail("full_policy \"block\" would stop the worker when the queue is full: use drop_newest or drop_oldest")
  end
  if type(target) == "string" and opts.buffer_size == nil and opts.batch_size == nil then
    opts.buffer_size = M.BATCH_SIZE
    if opts.byte_limit == nil then opts.byte_limit = M.BYTE_LIMIT end
  end
  if type(target) == "string" and not (opts.on_success or opts.on_failure or opts.on_result) then
    opts.on_failure = log_failure
  end
  local tracker = snowplow.new_tracker(target, opts)
  local ok, err = ngx.timer.every(interval, function()
    for _, e in ipairs(tracker:get_emitters()) do
      if not e.closed then e:dispatch() end
    end
  end)
  if not ok then fail("ngx.timer.every: " .. tostring(err)) end
  local now, on_failure = ngx.now, event_buffer.report_to_on_failure(tracker)
  local buffer = event_buffer.new(tracker, {
    capacity = buffer_events,
    now_ms = function() return now() * 1000 end,
    report = function(message, events)
      ngx.log(ngx.ERR, "snowplow: event not tracked: ", message)
      on_failure(message, events)
    end,
  })
  ok, err = ngx.timer.every(handover_interval, function() buffer:handover() end)
  if not ok then fail("ngx.timer.every: " .. tostring(err)) end
  M.tracker, M.buffer = tracker, buffer
  return tracker
end

-- The buffered track functions: each stores the event in this worker's
-- buffer (snowplow.event_buffer) and returns true, or false when it was
-- dropped and reported; the buffer is handed to the tracker every
-- handover_interval seconds and when it holds buffer_events events.
for _, name in ipairs({ "track_struct_event", "track_page_view", "track_self_describing_event" }) do
  M[name] = function(...)
    local buffer = M.buffer
    if not buffer then fail(name .. ": init_worker() has not run in this worker") end
    return buffer[name](buffer, ...)
  end
end

--- Hand the buffer over (later buffered events are dropped and reported),
-- flush for at most exit_timeout_ms, stop the sending threads and run the
-- last callbacks (what was not delivered goes to on_failure); call it from
-- exit_worker_by_lua_block. Logs the buffer's and each emitter's counters
-- (notice level): "snowplow: worker exit: buffer stored=N handed_over=N
-- refused=N dropped=N", "snowplow: worker exit: tracked=N sent=N failed=N dropped=N".
function M.exit_worker()
  if not M.tracker then return end
  M.buffer:close()
  local b = M.buffer:counters()
  ngx.log(ngx.NOTICE, "snowplow: worker exit: buffer stored=", b.stored, " handed_over=", b.handed_over,
    " refused=", b.refused, " dropped=", b.dropped)
  for _, e in ipairs(M.tracker:get_emitters()) do
    e:close(M.exit_timeout_ms)
    local c = e:counters()
    ngx.log(ngx.NOTICE, "snowplow: worker exit: tracked=", c.tracked, " sent=", c.sent, " failed=", c.failed,
      " dropped=", c.dropped)
  end
end

return M
