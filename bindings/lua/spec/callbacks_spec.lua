-- Callbacks run only when the Lua code asks: emitter:dispatch() (and flush,
-- which dispatches afterwards) runs on_success(count),
-- on_failure(success_count, failed_events) and on_result(result) on the
-- calling thread, for results the C threads queued.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local snowplow = require("snowplow")

describe("callbacks", function()
  local collector
  local successes, failures, results

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)

  before_each(function()
    collector:reset()
    successes, failures, results = {}, {}, {}
  end)

  local function options(extra)
    local o = {
      on_success = function(count) successes[#successes + 1] = count end,
      on_failure = function(success_count, events) failures[#failures + 1] = { success_count, events } end,
      on_result = function(r) results[#results + 1] = r end,
    }
    for k, v in pairs(extra or {}) do o[k] = v end
    return o
  end

  local function sum(list)
    local n = 0
    for _, v in ipairs(list) do n = n + v end
    return n
  end

  local function wait_for(fn)
    for _ = 1, 1200 do
      if fn() then return end
      support.sleep(0.05)
    end
    error("condition not met within 60 s")
  end

  local function track_n(tracker, n, action)
    for i = 1, n do tracker:track_struct_event("cat", action, "label-" .. i, nil, i) end
  end

  local function check_failed(events, n, action)
    assert.are.equal(n, #events)
    local labels = {}
    for _, e in ipairs(events) do
      assert.are.same({ "se", "cat", action }, { e.e, e.se_ca, e.se_ac })
      assert.truthy(e.eid:match("^[%x-]+$") and #e.eid == 36)
      for _, v in pairs(e) do assert.are.equal("string", type(v)) end
      labels[#labels + 1] = e.se_la
    end
    table.sort(labels)
    local want = {}
    for i = 1, n do want[i] = "label-" .. i end
    table.sort(want)
    assert.are.same(want, labels)
  end

  it("run only in dispatch, on the calling thread, and flush dispatches", function()
    local emitter = snowplow.new_emitter("http://" .. collector:endpoint(), options({ buffer_size = 10 }))
    local tracker = snowplow.new_tracker(emitter)
    assert.is_true(emitter:fd() >= 0)
    track_n(tracker, 25, "ok")
    wait_for(function() return emitter:counter("sent") == 25 end)
    assert.are.same({}, successes) -- delivered, but nobody dispatched yet
    assert.are.equal(1, emitter:dispatch(1))
    assert.are.equal(1, #successes)
    assert.is_true(tracker:flush(60000))
    assert.are.equal(25, sum(successes))
    assert.are.same({}, failures)
    assert.are.equal(#successes, #results)
    assert.are.equal(0, emitter:dispatch())
    for _, r in ipairs(results) do
      assert.is_true(r.sent)
      assert.is_false(r.will_retry)
      assert.are.equal(200, r.status)
      assert.are.equal(#r.events, #r.event_ids)
    end
    emitter:close()
  end)

  it("has no result queue without callbacks", function()
    local emitter = snowplow.new_emitter("http://" .. collector:endpoint())
    assert.are.equal(-1, emitter:fd())
    assert.are.equal(0, emitter:dispatch())
    emitter:close()
  end)

  it("reports a dead port", function()
    local emitter = snowplow.new_emitter("http://127.0.0.1:" .. support.dead_port(), options({ max_attempts = 1 }))
    local tracker = snowplow.new_tracker(emitter)
    track_n(tracker, 4, "dead")
    assert.is_true(tracker:flush(60000))
    local events = {}
    for _, f in ipairs(failures) do
      assert.are.equal(0, f[1])
      for _, e in ipairs(f[2]) do events[#events + 1] = e end
    end
    check_failed(events, 4, "dead")
    for _, r in ipairs(results) do
      assert.are.same({ false, 0, false }, { r.sent, r.status, r.will_retry })
      assert.is_true(#r.reason > 0)
    end
    assert.are.same({}, successes)
    assert.are.equal(4, emitter:counter("failed"))
    emitter:close()
  end)

  it("reports HTTP 500, retried then given up", function()
    collector:fault({ status = 500 })
    local emitter = snowplow.new_emitter("http://" .. collector:endpoint(),
      options({ max_attempts = 2, retry_base_delay_ms = 10 }))
    local tracker = snowplow.new_tracker(emitter)
    track_n(tracker, 3, "five-hundred")
    -- flush waits for one attempt per event; the second (last) comes on its own
    wait_for(function() return emitter:counter("failed") == 3 end)
    assert.is_true(tracker:flush(60000))
    collector:clear_fault()
    local final, retried = {}, 0
    for _, r in ipairs(results) do
      assert.are.same({ false, 500 }, { r.sent, r.status })
      if r.will_retry then retried = retried + 1 else
        for _, e in ipairs(r.events) do final[#final + 1] = e end
      end
    end
    assert.is_true(retried > 0)
    check_failed(final, 3, "five-hundred")
    assert.are.equal(3, emitter:counter("failed"))
    emitter:close()
  end)

  it("does not retry HTTP 400", function()
    collector:fault({ status = 400 })
    local emitter = snowplow.new_emitter("http://" .. collector:endpoint(), options({ method = "GET" }))
    local tracker = snowplow.new_tracker(emitter)
    track_n(tracker, 2, "bad-request")
    assert.is_true(tracker:flush(60000))
    collector:clear_fault()
    local events = {}
    for _, f in ipairs(failures) do
      for _, e in ipairs(f[2]) do events[#events + 1] = e end
    end
    check_failed(events, 2, "bad-request")
    for _, r in ipairs(results) do assert.are.same({ 400, false }, { r.status, r.will_retry }) end
    assert.are.equal(0, emitter:counter("retried"))
    emitter:close()
  end)

  it("lets a callback track and flush, and survives a callback error", function()
    local tracker
    local nested = 0
    local emitter = snowplow.new_emitter("http://" .. collector:endpoint(), {
      on_success = function(count)
        successes[#successes + 1] = count
        if #successes == 1 then
          tracker:track_struct_event("cat", "from-callback")
          nested = nested + 1
          assert(tracker:flush(30000))
          error("callback error on purpose")
        end
      end,
    })
    tracker = snowplow.new_tracker(emitter)
    tracker:track_struct_event("cat", "first")
    assert.is_true(tracker:flush(60000))
    assert.are.equal(1, nested)
    assert.are.equal(2, sum(successes))
    local actions = {}
    for _, r in ipairs(collector:good()) do actions[#actions + 1] = r.event.se_ac end
    table.sort(actions)
    assert.are.same({ "first", "from-callback" }, actions)
    emitter:close()
  end)

  it("reports a full queue instead of raising", function()
    collector:fault({ hang = true })
    local emitter = snowplow.new_emitter("http://" .. collector:endpoint(),
      options({ buffer_size = 1, buffer_capacity = 5, request_timeout_ms = 30000 }))
    local tracker = snowplow.new_tracker(emitter)
    local refused = 0
    for i = 1, 30 do
      if tracker:track_struct_event("cat", "full", "label-" .. i) == nil then refused = refused + 1 end
    end
    local dropped = emitter:counter("dropped")
    assert.are.equal(refused, dropped)
    assert.is_true(dropped >= 30 - 5 - 2)
    collector:reset() -- lets the hanging request go (it may fail and be retried)
    wait_for(function() return emitter:counter("sent") + dropped == 30 end)
    assert.is_true(tracker:flush(60000))
    local full = 0
    for _, r in ipairs(results) do
      if not r.sent and r.reason == "queue full" then
        assert.is_false(r.will_retry)
        full = full + #r.events
      end
    end
    assert.are.equal(dropped, full)
    assert.are.equal(30, emitter:counter("sent") + dropped)
    emitter:close()
  end)

  it("reports unsent events when closed", function()
    local emitter = snowplow.new_emitter("http://127.0.0.1:" .. support.dead_port(),
      options({ retry_base_delay_ms = 50, connect_timeout_ms = 200 }))
    local tracker = snowplow.new_tracker(emitter)
    track_n(tracker, 6, "abandoned")
    emitter:close(300)
    local final = {}
    for _, r in ipairs(results) do
      if not r.will_retry then
        for _, e in ipairs(r.events) do final[#final + 1] = e end
      end
    end
    check_failed(final, 6, "abandoned")
    assert.has_error(function() tracker:track_struct_event("cat", "late") end)
  end)
end)
