-- The transport keys of new_emitter: max_inflight (GET requests in flight per
-- sending thread) and redis_url/redis_key (each event pushed to a Redis list
-- of a redis-server this spec starts, support.start_redis).
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local dkjson = require("dkjson")
local snowplow = require("snowplow")

describe("transport", function()
  local collector

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)

  it("delivers each event once with 16 GET requests in flight", function()
    collector:reset()
    local emitter = snowplow.new_emitter("http://" .. collector:endpoint(),
      { method = "GET", thread_count = 2, max_inflight = 16 })
    local tracker = snowplow.new_tracker(emitter)
    for i = 1, 100 do tracker:track_struct_event("inflight", "n", tostring(i)) end
    assert.is_true(tracker:flush(60000))
    assert.are.equal(100, emitter:counter("sent"))
    local labels = {}
    for _, r in ipairs(collector:good()) do labels[#labels + 1] = tonumber(r.raw.se_la) end
    table.sort(labels)
    assert.are.equal(100, #labels)
    for i = 1, 100 do assert.are.equal(i, labels[i]) end
    emitter:close()
  end)

  it("refuses max_inflight 0 with a message naming it", function()
    local ok, err = pcall(snowplow.new_emitter, "http://" .. collector:endpoint(), { max_inflight = 0 })
    assert.is_false(ok)
    assert.is_truthy(tostring(err):find("max_inflight", 1, true))
  end)

  it("pushes each event to a Redis list as a JSON object of strings", function()
    local redis = support.start_redis()
    local port = redis.port
    local labels = {}
    -- The server is stopped whatever happens to the checks.
    local ok, err = pcall(function()
      local emitter = snowplow.new_emitter("unused",
        { redis_url = "redis://127.0.0.1:" .. port, redis_key = "events" })
      local tracker = snowplow.new_tracker(emitter)
      for i = 1, 20 do tracker:track_struct_event("redis", "push", tostring(i)) end
      assert.is_true(tracker:flush(60000))
      assert.are.equal(20, emitter:counter("sent"))
      emitter:close()
      for line in redis:cli("LRANGE events 0 -1"):gmatch("[^\n]+") do
        local item = dkjson.decode(line)
        for _, v in pairs(item) do assert.are.equal("string", type(v)) end
        labels[#labels + 1] = tonumber(item.se_la)
      end
    end)
    redis:stop()
    if not ok then error(err, 0) end
    table.sort(labels)
    assert.are.equal(20, #labels)
    for i = 1, 20 do assert.are.equal(i, labels[i]) end
  end)
end)
