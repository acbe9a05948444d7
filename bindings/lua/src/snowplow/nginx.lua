--- snowplow.nginx: one tracker per nginx worker, made safe for nginx's
-- process model (lua-nginx-module, Lua 5.1 API on LuaJIT):
--
--   init_worker_by_lua_block { require("snowplow.nginx").init_worker("http://collector:8080",
--                                                                    { app_id = "web" }) }
--   log_by_lua_block         { require("snowplow.nginx").tracker:track_page_view(ngx.var.uri) }
--   exit_worker_by_lua_block { require("snowplow.nginx").exit_worker() }
--
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

local M = {}

--- Defaults: seconds between dispatches; flush bound at worker exit (ms).
M.DISPATCH_INTERVAL = 0.1
M.EXIT_TIMEOUT_MS = 3000

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
  M.exit_timeout_ms = opts.exit_timeout_ms or M.EXIT_TIMEOUT_MS
  opts.dispatch_interval, opts.exit_timeout_ms = nil, nil
  if type(interval) ~= "number" or interval <= 0 then fail("dispatch_interval: expected seconds > 0") end
  if opts.full_policy == "block" then
    fail("full_policy \"block\" would stop the worker when the queue is full: use drop_newest or drop_oldest")
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
  M.tracker = tracker
  return tracker
end

--- Flush for at most exit_timeout_ms, stop the sending threads and run the
-- last callbacks (what was not delivered goes to on_failure); call it from
-- exit_worker_by_lua_block. Logs each emitter's counters (notice level):
-- "snowplow: worker exit: tracked=N sent=N failed=N dropped=N".
function M.exit_worker()
  if not M.tracker then return end
  for _, e in ipairs(M.tracker:get_emitters()) do
    e:close(M.exit_timeout_ms)
    local c = e:counters()
    ngx.log(ngx.NOTICE, "snowplow: worker exit: tracked=", c.tracked, " sent=", c.sent, " failed=", c.failed,
      " dropped=", c.dropped)
  end
end

return M
