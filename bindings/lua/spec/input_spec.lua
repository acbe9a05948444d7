-- Bad input raises Lua errors carrying libsnowplow's message and sends
-- nothing; integers come back as integers; UTF-8 text arrives intact.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local snowplow = require("snowplow")
local core = require("snowplow.core")

local ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"
local has_integers = math.type ~= nil

local function error_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

describe("input", function()
  local collector, emitter, tracker

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)
  before_each(function()
    collector:reset()
    emitter = snowplow.new_emitter("http://" .. collector:endpoint())
    tracker = snowplow.new_tracker(emitter)
  end)
  after_each(function() emitter:close() end)

  it("raises the core's messages", function()
    assert.are.equal("snowplow_event_structured_new: category: must not be empty",
      error_of(tracker.track_struct_event, tracker, "", "action"))
    assert.truthy(error_of(snowplow.self_describing_json, "not-a-schema", {})
      :find("^snowplow_sdjson_new: schema: not an Iglu URI"))
    assert.truthy(error_of(tracker.set_platform, tracker, "moon"):find("snowplow_subject_set_platform", 1, true))
    assert.truthy(error_of(tracker.set_screen_resolution, tracker, -1, 5)
      :find("snowplow_subject_set_screen_resolution", 1, true))
    assert.truthy(error_of(snowplow.new_emitter, "ftp://example.com"):find("snowplow_emitter_options_set_endpoint", 1, true))
    assert.truthy(error_of(snowplow.new_emitter, "example.com", { thread_count = 0 })
      :find("snowplow_emitter_options_set_thread_count", 1, true))
    assert.truthy(error_of(tracker.track_form_change, tracker, "f", "e", "BUTTON", "v"):find("node_name", 1, true))
    assert.truthy(error_of(tracker.track_mobile_screen_view, tracker, "Main", "not-a-uuid"):find("id", 1, true))
    assert.truthy(error_of(tracker.track_site_search, tracker, {}):find("terms", 1, true))
    assert.truthy(error_of(tracker.track_page_view, tracker, "https://a/\255"):find("UTF-8", 1, true))
    assert.truthy(error_of(tracker.track_page_view, tracker, "https://a/\0b"):find("NUL", 1, true))
  end)

  it("checks arguments before the core sees them", function()
    assert.are.equal("track_struct_event: category: expected a string, got number",
      error_of(tracker.track_struct_event, tracker, 5, "a"))
    assert.truthy(error_of(tracker.track_struct_event, tracker, "c", "a", nil, nil, "lots"):find("value", 1, true))
    assert.truthy(error_of(tracker.track_page_ping, tracker, "https://a", nil, nil, 1.5):find("min_x", 1, true))
    assert.truthy(error_of(tracker.set_screen_resolution, tracker, 1.5, 2):find("width", 1, true))
    assert.truthy(error_of(snowplow.new_emitter, "example.com", { bogus = 1 }):find("unknown key bogus", 1, true))
    assert.truthy(error_of(snowplow.new_emitter, "example.com", "PUT"):find("method", 1, true))
    assert.truthy(error_of(snowplow.new_tracker, 42):find("new_tracker", 1, true))
    assert.truthy(error_of(tracker.track_page_view, tracker, "https://a", nil, nil, { { schema = ENTITY } })
      :find("contexts[1].data", 1, true))
    assert.truthy(error_of(tracker.track_page_view, tracker, "https://a", nil, nil, nil, "yesterday")
      :find("tstamp", 1, true))
    local cyclic = {}
    cyclic.self = cyclic
    assert.truthy(error_of(tracker.track_self_describing_event, tracker, ENTITY, cyclic):find("cycle", 1, true))
    assert.truthy(error_of(tracker.track_self_describing_event, tracker, ENTITY, { id = 0 / 0 }):find("finite", 1, true))
    assert.truthy(error_of(tracker.track_ecommerce_transaction, tracker, { order_id = "o", total_value = 1, colour = 1 }, {})
      :find("unknown key colour", 1, true))
    assert.truthy(error_of(core.event_set_int, nil, "x", 1.5):find("expected an integer", 1, true))
  end)

  it("sends nothing for bad input", function()
    pcall(tracker.track_struct_event, tracker, "", "a")
    pcall(tracker.track_site_search, tracker, { "ok", 3 })
    pcall(tracker.track_ecommerce_transaction, tracker, { order_id = "", total_value = 1 }, {})
    pcall(tracker.track_self_describing_event, tracker, ENTITY, { id = 3 }) -- schema says string: sent, judged bad
    tracker:track_struct_event("only", "this")
    assert.is_true(tracker:flush(60000))
    local counts = collector:counts()
    assert.are.equal(2, counts.total)
    assert.are.equal(2, emitter:counter("tracked"))
  end)

  it("sends an item's own context after the transaction's, in that item only", function()
    tracker:track_ecommerce_transaction({ order_id = "o-1", total_value = 3 },
      { { sku = "a", price = 1, quantity = 1, context = { { schema = ENTITY, data = { id = "item-a" } } } },
        { sku = "b", price = 2, quantity = 1 } },
      { snowplow.self_describing_json(ENTITY, { id = "tx" }) })
    assert.is_true(tracker:flush(60000))
    local ids = {}
    for _, r in ipairs(collector:good()) do
      local list = {}
      for _, c in ipairs(r.event.contexts) do list[#list + 1] = c.data.id end
      ids[r.event.ti_sk or "tr"] = table.concat(list, ",")
    end
    assert.are.same({ tr = "tx", a = "tx,item-a", b = "tx" }, ids)
    assert.truthy(error_of(tracker.track_ecommerce_transaction, tracker, { order_id = "o", total_value = 1 },
      { { sku = "s", price = 1, quantity = 1, context = { 42 } } })
      :find("items[1].context[1]: expected a table", 1, true))
  end)

  it("returns integers as integers", function()
    local values = {
      core.version_num(), core.EINVAL, core.METHOD_GET, emitter:counter("tracked"), emitter:fd(),
      core.emitter_counter(emitter.native, core.COUNTER_SENT), tracker:get_emitter():counters().queued,
    }
    local ev = core.event_page_view_new("https://a", nil, nil)
    values[#values + 1] = core.event_get_type(ev)
    core.event_free(ev)
    for i, v in ipairs(values) do
      assert.are.equal("number", type(v), "value " .. i)
      if has_integers then assert.are.equal("integer", math.type(v), "value " .. i) end
    end
    assert.are.equal(core.EVENT_PAGE_VIEW, values[#values])
    assert.are.equal(256, core.version_num())
  end)

  it("keeps numbers and text exact", function()
    tracker:set_user_id("ユーザー")
    tracker:track_struct_event("café", "naïve ✓", "🚀", nil, 0.1 + 0.2,
      { { schema = ENTITY, data = { id = "😀 é", n = 2 ^ 31, tags = { "日本" } } } })
    tracker:track_struct_event("n", "big", nil, nil, 2 ^ 53)
    tracker:track_page_ping("https://example.com/ü?q=日本", "Zürich", nil, 0, 2.0, 3, 4)
    assert.is_true(tracker:flush(60000))
    assert.are.same({}, collector:bad())
    local by = {}
    for _, r in ipairs(collector:good()) do by[r.event.se_ac or r.event.e] = r.event end
    local se = by["naïve ✓"]
    assert.are.same({ "café", "🚀", "0.30000000000000004", "ユーザー" }, { se.se_ca, se.se_la, se.se_va, se.uid })
    assert.are.same({ id = "😀 é", n = 2147483648, tags = { "日本" } }, se.contexts[1].data)
    assert.are.equal("9007199254740992", by.big.se_va)
    assert.are.same({ "https://example.com/ü?q=日本", "Zürich", "0", "2", "3", "4" },
      { by.pp.url, by.pp.page, by.pp.pp_mix, by.pp.pp_max, by.pp.pp_miy, by.pp.pp_may })
  end)
end)
