-- A blocking flush during a collector outage returns once every event had one
-- delivery attempt (reported, with will_retry set, before flush returns); the
-- events stay queued and go out when the collector is back. A script ending in
-- tracker:flush() with the collector unreachable ends.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local snowplow = require("snowplow")

describe("flush during an outage", function()
  local collector

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)
  before_each(function() collector:reset() end)

  local function wait_for(fn)
    for _ = 1, 1200 do
      if fn() then return end
      support.sleep(0.05)
    end
    error("condition not met within 60 s")
  end

  it("returns after one attempt and the retries deliver later", function()
    collector:fault({ status = 500 })
    local retried, sent = {}, 0
    local emitter = snowplow.new_emitter(collector:url(), {
      buffer_size = 5, retry_base_delay_ms = 200, retry_max_delay_ms = 1000,
      on_success = function(count) sent = sent + count end,
      on_result = function(r)
        if r.will_retry then
          for _, e in ipairs(r.events) do retried[e.eid] = true end
        end
      end,
    })
    local tracker = snowplow.new_tracker(emitter)
    local eids = {}
    for i = 1, 7 do eids[i] = tracker:track_struct_event("outage", "flush", tostring(i)) end
    assert.is_true(tracker:flush()) -- no timeout: returns on its own
    for _, eid in ipairs(eids) do assert.is_true(retried[eid]) end -- callbacks ran before
    local c = emitter:counters()
    assert.are.same({ 0, 0, 7 }, { c.sent, c.failed, c.queued + c.in_flight })

    collector:clear_fault()
    wait_for(function() return emitter:counter("sent") == 7 end)
    assert.is_true(tracker:flush())
    assert.are.equal(7, sent)
    assert.are.equal(7, collector:counts().good)
    emitter:close()
  end)

  it("returns with nothing listening", function()
    local emitter = snowplow.new_emitter("http://127.0.0.1:" .. support.dead_port(), { on_result = function() end })
    local tracker = snowplow.new_tracker(emitter)
    tracker:track_struct_event("outage", "dead")
    assert.is_true(tracker:flush())
    assert.is_true(emitter:counter("retried") >= 1)
    emitter:close(0)
    assert.are.equal(1, emitter:counter("failed")) -- "emitter closed"
  end)

  it("lets a script ending in tracker:flush() exit, within the close bound", function()
    -- The interpreter running this spec, and its module paths, run the script.
    local p = io.popen("readlink /proc/$PPID/exe")
    local lua = p:read("*l")
    p:close()
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(string.format([[
local snowplow = require("snowplow")
local tracker = snowplow.new_tracker("http://127.0.0.1:%d")
tracker:track_struct_event("exit", "dead")
tracker:flush()
io.write("flushed\n")
]], support.dead_port()))
    f:close()
    local cmd = string.format("LUA_PATH='%s' LUA_CPATH='%s' timeout 120 '%s' '%s'; echo \"status $?\"",
      package.path, package.cpath, lua, script)
    p = io.popen(cmd)
    local out = p:read("*a")
    p:close()
    os.remove(script)
    assert.truthy(out:find("flushed", 1, true), out)
    assert.truthy(out:find("status 0", 1, true), out) -- 124 would be the timeout
  end)
end)
