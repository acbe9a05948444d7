-- snowplow.event_buffer: events stored one per call and handed to the tracker
-- in one C call (bindings/lua/lua_track_buffer.c). Checked at the local
-- collector: the fields of the tracker's own methods, in order, the stored
-- time as dtm; refused, dropped and handed-over events all accounted for.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local snowplow = require("snowplow")
local event_buffer = require("snowplow.event_buffer")

local unpack = table.unpack or unpack
local SCHEMA = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"

local function fields(record)
  local t = {}
  for k, v in pairs(record.raw) do
    if k ~= "eid" and k ~= "stm" and k ~= "tna" and k ~= "dtm" and k ~= "cx" and k ~= "co" then t[k] = v end
  end
  return t
end

local function balanced(c)
  return c.stored == c.handed_over + c.refused + c.dropped + c.held
end

describe("snowplow.event_buffer", function()
  local collector, emitter, tracker, direct, reports, clock

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)
  before_each(function()
    collector:reset()
    emitter = snowplow.new_emitter("http://" .. collector:endpoint(), { buffer_size = 50 })
    tracker = snowplow.new_tracker(emitter, { namespace = "buffer" })
    direct = snowplow.new_tracker(emitter, { namespace = "direct" })
    reports, clock = {}, 1700000000000
  end)
  after_each(function() emitter:close() end)

  local function new_buffer(capacity)
    return event_buffer.new(tracker, {
      capacity = capacity,
      now_ms = function() clock = clock + 1; return clock end,
      report = function(message, events) reports[#reports + 1] = { message = message, event = events[1] } end,
    })
  end

  it("stores without tracking, then hands over in one call the fields the tracker's methods send", function()
    local buf = new_buffer(100)
    local ctx = { { schema = SCHEMA, data = { name = "ctx" } } }
    local calls = {
      { "track_struct_event", "shop", "add", "#1", "pcs", 2 },
      { "track_struct_event", "shop", "add", "#2" },
      { "track_struct_event", "ü ✓", "😀", "#3", nil, 7.5 },
      { "track_struct_event", "shop", "ctx", "#4", nil, nil, ctx },
      { "track_page_view", "https://example.com/#5", "Home", "https://ref.example.com/" },
      { "track_self_describing_event", SCHEMA, { name = "#6", count = 6 } },
      { "track_self_describing_event", SCHEMA, { name = "#7" }, ctx },
    }
    for _, c in ipairs(calls) do
      assert.is_true(buf[c[1]](buf, unpack(c, 2, 7)))
      assert.is_string(direct[c[1]](direct, unpack(c, 2, 7)))
    end
    assert.is_true(emitter:flush(60000))
    assert.are.equal(#calls, #collector:good()) -- (only the direct ones: nothing was handed over)
    assert.are.same({ stored = 7, handed_over = 0, refused = 0, dropped = 0, held = 7 }, buf:counters())

    assert.are.equal(#calls, buf:handover())
    assert.is_true(emitter:flush(60000))
    assert.are.same({}, collector:bad())
    local by = { buffer = {}, direct = {} }
    for _, r in ipairs(collector:good()) do
      local tna = r.raw.tna
      by[tna][#by[tna] + 1] = r
    end
    assert.are.equal(#calls, #by.buffer)
    -- In order, each with the time of its store call as dtm, the same fields as the direct call.
    local dtms = {}
    for i = 1, #calls do
      assert.are.same(fields(by.direct[i]), fields(by.buffer[i]), "call " .. i)
      assert.are.same(by.direct[i].event.contexts, by.buffer[i].event.contexts, "call " .. i)
      dtms[i] = by.buffer[i].raw.dtm
    end
    assert.are.same({ { schema = SCHEMA, data = { name = "ctx" } } }, by.buffer[4].event.contexts)
    assert.are.same({ { schema = SCHEMA, data = { name = "ctx" } } }, by.buffer[7].event.contexts)
    assert.are.same({ "1700000000001", "1700000000002", "1700000000003", "1700000000004", "1700000000005",
                      "1700000000006", "1700000000007" }, dtms)
    assert.are.same({ stored = 7, handed_over = 7, refused = 0, dropped = 0, held = 0 }, buf:counters())
  end)

  it("hands itself over when it holds `capacity` events, so it never grows", function()
    local buf = new_buffer(3)
    for i = 1, 7 do assert.is_true(buf:track_struct_event("shop", "cap", tostring(i))) end
    assert.are.same({ stored = 7, handed_over = 6, refused = 0, dropped = 0, held = 1 }, buf:counters())
    buf:close()
    assert.is_true(emitter:flush(60000))
    local labels = {}
    for _, r in ipairs(collector:good()) do labels[#labels + 1] = r.raw.se_la end
    assert.are.same({ "1", "2", "3", "4", "5", "6", "7" }, labels)
  end)

  it("reports what the tracker refuses at the handover, with the message, and hands over the rest", function()
    local buf = new_buffer(10)
    buf:track_struct_event("shop", "ok", "before")
    buf:track_struct_event("sh\0op", "nul", "refused")
    buf:track_self_describing_event("not a schema", { a = 1 })
    buf:track_page_view("https://example.com/after")
    assert.are.equal(2, buf:handover())
    assert.are.same({ stored = 4, handed_over = 2, refused = 2, dropped = 0, held = 0 }, buf:counters())
    assert.are.equal(2, #reports)
    assert.matches("NUL", reports[1].message, 1, true)
    assert.are.same({ e = "se", se_ca = "sh\0op", se_ac = "nul", se_la = "refused", dtm = "1700000000002" },
      reports[1].event)
    assert.matches("schema", reports[2].message, 1, true)
    assert.are.equal("ue", reports[2].event.e)
    assert.are.same({ schema = "not a schema", data = { a = 1 } }, reports[2].event.ue_pr)
    assert.is_true(emitter:flush(60000))
    assert.are.equal(2, #collector:good())
    assert.are.same({}, collector:bad())
  end)

  it("refuses structured events with the tracker method's messages, and sends the same values", function()
    local buf = new_buffer(20)
    local bad = { { "", "empty category" }, { "shop", "" }, { "sh\255op", "utf8" }, { "shop", "a", "\195" } }
    for _, c in ipairs(bad) do buf:track_struct_event(c[1], c[2], c[3]) end
    local values = { 0, -0.5, 1e21, 2 ^ 53, -123456789.125, 19.99 }
    if math.type then values[#values + 1] = math.maxinteger; values[#values + 1] = math.tointeger(2 ^ 53) + 1 end
    for _, v in ipairs(values) do
      buf:track_struct_event("shop", "value", nil, nil, v)
      assert.is_string(direct:track_struct_event("shop", "value", nil, nil, v))
    end
    assert.are.equal(#values, buf:handover())
    assert.are.equal(#bad, #reports)
    for i, c in ipairs(bad) do
      local ok, err = pcall(direct.track_struct_event, direct, c[1], c[2], c[3])
      assert.is_false(ok)
      assert.are.equal(err, reports[i].message, "refusal " .. i)
    end
    assert.is_true(emitter:flush(60000))
    assert.are.same({}, collector:bad())
    local by = { buffer = {}, direct = {} }
    for _, r in ipairs(collector:good()) do by[r.raw.tna][#by[r.raw.tna] + 1] = r.raw.se_va end
    assert.are.same(by.direct, by.buffer)
    assert.are.equal(#values, #by.buffer)
    if math.type then assert.are.equal("9007199254740993", by.buffer[#values]) end
  end)

  it("drops and reports an event stored during a handover into a full buffer, or after close", function()
    local buf
    buf = event_buffer.new(tracker, {
      capacity = 2,
      report = function(message, events)
        reports[#reports + 1] = { message = message, event = events[1] }
        -- a callback tracking again, during the handover: the second fills the buffer
        if #reports == 1 then
          assert.is_true(buf:track_struct_event("cb", "first"))
          assert.is_false(buf:track_struct_event("cb", "second"))
        end
      end,
    })
    buf:track_struct_event("sh\0op", "refused")
    buf:track_struct_event("shop", "ok") -- full: handed over now, the report runs inside
    assert.are.equal(2, #reports)
    assert.are.equal("event buffer full", reports[2].message)
    assert.are.equal("second", reports[2].event.se_ac)
    local c = buf:counters()
    assert.are.same({ stored = 4, handed_over = 1, refused = 1, dropped = 1, held = 1 }, c)
    assert.is_true(balanced(c))
    buf:close()
    assert.is_false(buf:track_page_view("https://example.com/late"))
    assert.are.equal("event buffer closed", reports[3].message)
    assert.are.equal("https://example.com/late", reports[3].event.url)
    c = buf:counters()
    assert.are.same({ stored = 5, handed_over = 2, refused = 1, dropped = 2, held = 0 }, c)
    assert.is_true(balanced(c))
    assert.is_true(emitter:flush(60000))
    assert.are.equal(2, #collector:good()) -- "ok" and the callback's "first"
  end)

  it("goes on when a report raises: the other events are handed over and reported", function()
    local seen = {}
    local buf = event_buffer.new(tracker, {
      report = function(message, events)
        seen[#seen + 1] = events[1].se_ac
        error("report failed")
      end,
    })
    buf:track_struct_event("sh\0op", "one")
    buf:track_struct_event("shop", "ok")
    buf:track_struct_event("sh\0op", "two")
    assert.are.equal(1, buf:handover())
    assert.are.same({ "one", "two" }, seen)
    assert.are.same({ stored = 3, handed_over = 1, refused = 2, dropped = 0, held = 0 }, buf:counters())
    buf:track_struct_event("shop", "after")
    assert.are.equal(1, buf:handover()) -- (not stuck in the first handover)
  end)

  it("by default reports to each emitter's on_failure(0, events)", function()
    local failed = {}
    local e2 = snowplow.new_emitter("http://" .. collector:endpoint(), {
      on_failure = function(success_count, events) failed[#failed + 1] = { success_count, events } end,
    })
    local buf = event_buffer.new(snowplow.new_tracker(e2))
    buf:track_struct_event("sh\0op", "refused", "x", nil, 3)
    buf:handover()
    assert.are.equal(1, #failed)
    assert.are.equal(0, failed[1][1])
    assert.are.same({ e = "se", se_ca = "sh\0op", se_ac = "refused", se_la = "x", se_va = "3" }, failed[1][2][1])
    e2:close()
  end)

  it("checks the arguments' types when storing, naming the argument", function()
    local buf = new_buffer(10)
    local cases = {
      { function() buf:track_struct_event(nil, "a") end,
        "event_buffer.track_struct_event: category: expected a string, got nil" },
      { function() buf:track_struct_event("c", "a", 1) end,
        "event_buffer.track_struct_event: label: expected a string or nil, got number" },
      { function() buf:track_struct_event("c", "a", nil, nil, "2") end,
        "event_buffer.track_struct_event: value: expected a number or nil, got string" },
      { function() buf:track_struct_event("c", "a", nil, nil, nil, "ctx") end,
        "event_buffer.track_struct_event: contexts: expected a table or nil, got string" },
      { function() buf:track_page_view(nil) end,
        "event_buffer.track_page_view: page_url: expected a string, got nil" },
      { function() buf:track_self_describing_event(SCHEMA, "data") end,
        "event_buffer.track_self_describing_event: data: expected a table, got string" },
    }
    for _, case in ipairs(cases) do
      local ok, err = pcall(case[1])
      assert.is_false(ok)
      assert.are.equal(case[2], err)
    end
    assert.are.same({ stored = 0, handed_over = 0, refused = 0, dropped = 0, held = 0 }, buf:counters())
    assert.has_error(function() event_buffer.new(tracker, { capacity = 0 }) end,
      "event_buffer.new: capacity: expected an integer > 0")
  end)
end)
