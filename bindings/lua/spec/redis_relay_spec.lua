-- snowplow.new_redis_emitter: events go to a Redis list (a redis-server this
-- spec starts) and snowplow-relay delivers them; the collector gets the same
-- fields as from a direct emitter tracking the same calls.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local snowplow = require("snowplow")

local ENTITY = "iglu:com.snowplowanalytics.snowplow/desktop_context/jsonschema/1-0-0"
local CONTEXT = { { schema = ENTITY, data = { osType = "Linux", osVersion = "6.1" } } }

local function track_each_kind(t)
  t:track_page_view("https://example.com/a", "A", nil, CONTEXT)
  t:track_struct_event("shop", "add", "book", "pcs", 2.5)
  t:track_self_describing_event("iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
    { targetUrl = "https://example.com/b" }, CONTEXT)
  t:track_ecommerce_transaction({ order_id = "o-1", total_value = 12.5 },
    { { sku = "s-1", price = 12.5, quantity = 1 } })
end

-- eid -> the raw event without stm (set at each send).
local function raws(collector)
  local out = {}
  for _, r in ipairs(collector:good()) do
    r.raw.stm = nil
    out[r.raw.eid] = r.raw
  end
  return out
end

describe("new_redis_emitter", function()
  local collector

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)

  it("reaches the collector through snowplow-relay with the direct path's fields", function()
    if not support.relay_binary() then
      pending("snowplow-relay not built")
      return
    end
    local redis = support.start_redis()
    local ok, err = pcall(function()
      collector:reset()
      local direct = snowplow.new_emitter("http://" .. collector:endpoint())
      local pushed = snowplow.new_redis_emitter("redis://127.0.0.1:" .. redis.port, "lua-events")
      local tracker = snowplow.new_tracker({ direct, pushed })
      track_each_kind(tracker)
      assert.is_true(tracker:flush(60000))
      assert.are.equal(5, pushed:counter("sent"))
      assert.are.equal("5", redis:cli("LLEN lua-events"):match("%d+"))
      local sent_directly = raws(collector)
      collector:reset()
      local relayed, text = support.run_relay(redis, "lua-events", "http://" .. collector:endpoint())
      assert.is_true(relayed, text)
      local counts = collector:counts()
      assert.are.same({ total = 5, good = 5, bad = 0 }, counts)
      assert.are.same(sent_directly, raws(collector))
      direct:close()
      pushed:close()
    end)
    redis:stop()
    if not ok then error(err, 0) end
  end)

  it("defaults to the list 'snowplow' and names bad arguments", function()
    local redis = support.start_redis()
    local ok, err = pcall(function()
      local emitter = snowplow.new_redis_emitter("redis://127.0.0.1:" .. redis.port)
      assert.are.equal("snowplow", emitter.redis_key)
      snowplow.new_tracker(emitter):track_struct_event("c", "a")
      assert.is_true(emitter:flush(60000))
      assert.are.equal("1", redis:cli("LLEN snowplow"):match("%d+"))
      emitter:close()
    end)
    redis:stop()
    if not ok then error(err, 0) end
    local bad_ok, bad = pcall(snowplow.new_redis_emitter, 42)
    assert.is_false(bad_ok)
    assert.is_truthy(tostring(bad):find("new_redis_emitter: redis_url: expected a string", 1, true))
    bad_ok, bad = pcall(snowplow.new_redis_emitter, "http://x")
    assert.is_false(bad_ok)
    assert.is_truthy(tostring(bad):find("unknown scheme", 1, true))
  end)
end)
