-- Both generations of the official Lua tracker on one module, checked at the
-- local collector: 0.1's camelCase API (newTrackerForUri, t:trackStructEvent,
-- true / false + message) and 0.2's snake_case API (new_tracker(url), the
-- emitter object, tracker:encode_base64/platform/set_*), as their users call them.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local snowplow = require("snowplow")

local TEST_EVENT = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
local SCREEN_VIEW = "iglu:com.snowplowanalytics.snowplow/screen_view/jsonschema/1-0-0"

-- The fields of a received event but the ones every event has (eid, stm,
-- tv) and the device timestamp (checked on its own).
local function fields(record)
  local t = {}
  for k, v in pairs(record.raw) do
    if k ~= "eid" and k ~= "stm" and k ~= "tv" then t[k] = v end
  end
  return t
end

local function now_ms()
  return os.time() * 1000
end

describe("0.1 generation (camelCase)", function()
  local collector

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)
  before_each(function() collector:reset() end)

  it("builds 0.1's collector URIs: http://HOST/i and http://SUB.cloudfront.net/i", function()
    local t = snowplow.newTrackerForUri("collector.example.com")
    assert.are.equal("http://collector.example.com/i", t:get_emitter():get_collector_url())
    assert.are.equal("GET", t:get_emitter():get_request_method())
    local cf = snowplow.newTrackerForCf("d3rkrsqld9gmqf")
    assert.are.equal("http://d3rkrsqld9gmqf.cloudfront.net/i", cf:get_emitter():get_collector_url())
  end)

  it("sends 0.1's fields by GET /i and returns true once the collector has them", function()
    local t = snowplow.newTrackerForUri(collector:endpoint())
    t:platform("tv")
    t:setAppId("wow-ext-1")
    t:setUserId("user123")
    t:setScreenResolution(1068, 720)
    t:setViewport(420, 360)
    t:setColorDepth(32)
    local status, msg = t:trackStructEvent("shop", "add-to-basket", nil, "pcs", 2, 1369330909)
    assert.is_true(status)
    assert.is_nil(msg)
    -- (the collector has it before the call returns)
    local good = collector:good()
    assert.are.equal(1, #good)
    assert.are.equal("GET", good[1].method)
    assert.are.equal("/i", good[1].path)
    assert.are.same({ e = "se", se_ca = "shop", se_ac = "add-to-basket", se_pr = "pcs", se_va = "2",
                      dtm = "1369330909000", p = "tv", uid = "user123", aid = "wow-ext-1", res = "1068x720",
                      vp = "420x360", cd = "32" }, fields(good[1]))
    assert.are.equal(snowplow.TRACKER_VERSION, good[1].raw.tv)
  end)

  it("defaults: platform pc, dtm now (in milliseconds), empty label and property left out", function()
    local t = snowplow.newTrackerForUri(collector:endpoint())
    local before = now_ms()
    assert.is_true((t:trackStructEvent("hud", "save", "", "", 1.5)))
    local r = collector:good()[1]
    local dtm = tonumber(r.raw.dtm)
    r.raw.dtm = nil
    assert.are.same({ e = "se", se_ca = "hud", se_ac = "save", se_va = "1.5", p = "pc" }, fields(r))
    assert.is_true(dtm >= before - 1000 and dtm <= now_ms() + 1000, tostring(dtm))
    assert.are.same({}, collector:bad())
  end)

  it("trackSelfDescribingEvent (the replacement of trackUnstructEvent) honours encodeBase64", function()
    local t = snowplow.newTrackerForUri(collector:endpoint())
    assert.is_true((t:trackSelfDescribingEvent(TEST_EVENT, { name = "save", count = 23 }, 1369330929)))
    t:encodeBase64(false)
    assert.is_true((t:trackSelfDescribingEvent(TEST_EVENT, { name = "load" })))
    local good = collector:good()
    assert.are.equal(2, #good)
    assert.is_not_nil(good[1].raw.ue_px)
    assert.are.equal("1369330929000", good[1].raw.dtm)
    assert.is_not_nil(good[2].raw.ue_pr)
    assert.are.same({ name = "save", count = 23 }, good[1].event.unstruct_event.data.data)
    assert.are.same({ name = "load" }, good[2].event.unstruct_event.data.data)
  end)

  it("answers false and 0.1's message when the collector refuses, once (0.1 never retried)", function()
    local t = snowplow.newTrackerForUri(collector:endpoint())
    collector:fault({ status = 500, count = 1 })
    local status, msg = t:trackStructEvent("shop", "fail")
    assert.is_false(status)
    assert.are.equal("HTTP status code [500] is a server error", msg)
    collector:fault({ status = 404, count = 1 })
    status, msg = t:trackStructEvent("shop", "fail")
    assert.is_false(status)
    assert.are.equal("HTTP status code [404] is a client error", msg)
    assert.are.equal(2, #collector:requests())
    assert.is_true((t:trackStructEvent("shop", "ok")))
    assert.are.equal(1, #collector:good())
  end)

  it("answers false and a message, not an error, when no collector listens", function()
    local t = snowplow.newTrackerForUri("127.0.0.1:" .. support.dead_port())
    local ok, status, msg = pcall(t.trackStructEvent, t, "shop", "nobody")
    assert.is_true(ok)
    assert.is_false(status)
    assert.matches("^Unrecognised status code %[.+%]$", msg)
  end)

  it("answers false and 0.1's message for a bad argument, never raises, changes and sends nothing", function()
    local t = snowplow.newTrackerForUri(collector:endpoint())
    local cases = {
      { function() return t:encodeBase64("23") end, "encode is required and must be a boolean, not [23]" },
      { function() return t:platform("fake") end,
        "platform must be a string from the set {pc, mob, cnsl, tv, iot}, not [fake]" },
      { function() return t:setAppId("") end, "appId is required and must be a non-empty string, not []" },
      { function() return t:setUserId(23) end, "userId is required and must be a non-empty string, not [23]" },
      { function() return t:setScreenResolution(-20, 1078) end,
        "width is required and must be a positive integer, not [-20]" },
      { function() return t:setViewport(800, "1078") end,
        "height is required and must be a positive integer, not [1078]" },
      { function() return t:setColorDepth(23.2) end, "depth is required and must be a positive integer, not [23.2]" },
      { function() return t:trackStructEvent(23.2, "23") end,
        "se_ca is required and must be a non-empty string, not [23.2]" },
      { function() return t:trackStructEvent("shop", -456.021) end,
        "se_ac is required and must be a non-empty string, not [-456.021]" },
      { function() return t:trackStructEvent("shop", "add-to-basket", {}) end,
        "se_la must be a string or nil, not [{}]" },
      { function() return t:trackStructEvent("shop", "add-to-basket", nil, 23) end,
        "se_pr must be a string or nil, not [23]" },
      { function() return t:trackStructEvent("shop", "add-to-basket", nil, nil, "2") end,
        "se_va must be a number or nil, not [2]" },
      { function() return t:trackStructEvent("shop", "add-to-basket", nil, nil, 2, false) end,
        "dtm is required and must be a positive integer, not [false]" },
      { function() return t:trackStructEvent("shop", "add-to-basket", nil, nil, 2, -1) end,
        "dtm is required and must be a positive integer, not [-1000]" },
      { function() return t:trackStructEvent("shop", "add-to-basket", nil, "units", 212, {}) end,
        "dtm is required and must be a positive integer, not [{}]" },
      { function() return t:trackScreenView(-23, "23") end,
        "sv_na is required and must be a non-empty string, not [-23]" },
      { function() return t:trackScreenView("Game HUD", "Load Save Game", false) end,
        "dtm is required and must be a positive integer, not [false]" },
      { function() return t:trackScreenView("Game HUD", 23) end, "sv_id must be a string or nil, not [23]" },
      { function() return t:trackUnstructEvent(nil, {}) end,
        "ue_na is required and must be a non-empty string, not [<nil>]" },
      { function() return t:trackUnstructEvent("save-game", 23.0) end,
        "ue_px|ue_pr is required and must be a non-empty table, not [23]" },
      { function() return t:trackUnstructEvent("save-game", { save_id = 23 }, 23.232312) end,
        "dtm is required and must be a positive integer, not [23232.312]" },
      { function() return t:trackUnstructEvent("save-game", {}) end,
        "ue_px|ue_pr is required and must be a non-empty table, not [{}]" },
      { function() return t:trackUnstructEvent("", { a = 1 }) end,
        "ue_na is required and must be a non-empty string, not []" },
      { function() return t:trackSelfDescribingEvent("", { a = 1 }) end,
        "schema is required and must be a non-empty string, not []" },
      { function() return t:trackSelfDescribingEvent(TEST_EVENT, {}, 1) end,
        "data is required and must be a non-empty table, not [{}]" },
    }
    for _, case in ipairs(cases) do
      local ok, status, msg = pcall(case[1])
      assert.is_true(ok, case[2] .. " raised: " .. tostring(status))
      assert.is_false(status, case[2])
      assert.are.equal(case[2], msg)
    end
    assert.are.same({ total = 0, good = 0, bad = 0 }, collector:counts())
    -- The refused settings left the tracker as it was.
    assert.is_true((t:trackStructEvent("shop", "after")))
    local after = fields(collector:good()[1])
    after.dtm = nil
    assert.are.same({ e = "se", se_ca = "shop", se_ac = "after", p = "pc" }, after)
  end)

  it("setters answer true; the constructors answer nil and 0.1's message for a bad host, never raise", function()
    local t = snowplow.newTrackerForUri(collector:endpoint())
    assert.are.same({ true }, { t:encodeBase64(false) })
    assert.are.same({ true }, { t:platform("mob") })
    assert.are.same({ true }, { t:setAppId("app") })
    assert.are.same({ true }, { t:setUserId("u1") })
    assert.are.same({ true }, { t:setScreenResolution(1, 2) })
    assert.are.same({ true }, { t:setViewport(3, 4) })
    assert.are.same({ true }, { t:setColorDepth(24) })
    local cases = {
      { function() return snowplow.newTrackerForUri("") end, "host is required and must be a non-empty string, not []" },
      { function() return snowplow.newTrackerForUri({}) end, "host is required and must be a non-empty string, not [{}]" },
      { function() return snowplow.newTrackerForCf(nil) end,
        "cfSubdomain is required and must be a non-empty string, not [<nil>]" },
      { function() return snowplow.newTrackerForCf(-23.04) end,
        "cfSubdomain is required and must be a non-empty string, not [-23.04]" },
    }
    for _, case in ipairs(cases) do
      local ok, tracker, err = pcall(case[1])
      assert.is_true(ok, case[2] .. " raised: " .. tostring(tracker))
      assert.is_nil(tracker, case[2])
      assert.are.equal(case[2], err)
    end
    assert.are.same({ total = 0, good = 0, bad = 0 }, collector:counts())
  end)

  it("refuses what today's pipeline rejects (e=sv, ue_na): false, the replacement named, nothing sent", function()
    local t = snowplow.newTrackerForUri(collector:endpoint())
    local status, msg = t:trackScreenView("HUD > Save Game", "screen23", 1368725287)
    assert.is_false(status)
    assert.matches("track_screen_view", msg, 1, true)
    status, msg = t:trackUnstructEvent("save-game", { save_id = "4321", level = 23 }, 1369330929)
    assert.is_false(status)
    assert.matches("trackSelfDescribingEvent", msg, 1, true)
    assert.matches("track_self_describing_event", msg, 1, true)
    t:flush(10000)
    assert.are.same({}, collector:requests())
  end)

  it("is also a full tracker: the snake_case methods work on it", function()
    local t = snowplow.newTrackerForUri(collector:endpoint())
    assert.is_string(t:track_screen_view("HUD", "23"))
    assert.is_true(t:flush(60000))
    local good = collector:good()
    assert.are.equal(1, #good)
    assert.are.equal(SCREEN_VIEW, good[1].event.unstruct_event.data.schema)
  end)
end)

describe("0.2 generation (snake_case)", function()
  local collector

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)
  before_each(function() collector:reset() end)

  local function configure(t)
    t:platform("tv")
    t:set_app_id("game")
    t:set_user_id("player-7")
    t:set_screen_resolution(1920, 1080)
    t:set_viewport(800, 600)
    t:set_color_depth(24)
  end

  -- Returns the three event ids in the order tracked: GET requests are sent
  -- several at a time, so the collector may see them in another order.
  local function track_the_three(t)
    local eids = {
      t:track_screen_view("HUD > Save Game", "screen-23"),
      t:track_struct_event("shop", "add-to-basket", "book", "pcs", 2),
      t:track_self_describing_event(TEST_EVENT, { name = "save", count = 3 }),
    }
    for i = 1, 3 do assert.is_string(eids[i]) end
    assert.is_true(t:flush(60000))
    return eids
  end

  local COMMON = { p = "tv", aid = "game", uid = "player-7", res = "1920x1080", vp = "800x600", cd = "24" }

  local function check(method, base64, eids)
    local arrived = collector:good()
    assert.are.same({}, collector:bad())
    assert.are.equal(3, #arrived)
    local by_eid = {}
    for _, r in ipairs(arrived) do by_eid[r.raw.eid] = r end
    local good = { by_eid[eids[1]], by_eid[eids[2]], by_eid[eids[3]] }
    for i = 1, 3 do assert.is_not_nil(good[i], "event " .. i .. " arrived") end
    for _, r in ipairs(good) do
      assert.are.equal(method, r.method)
      assert.is_not_nil(r.raw.dtm)
      for k, v in pairs(COMMON) do assert.are.equal(v, r.raw[k], k) end
    end
    assert.are.equal("ue", good[1].raw.e)
    assert.are.same({ schema = SCREEN_VIEW, data = { name = "HUD > Save Game", id = "screen-23" } },
      good[1].event.unstruct_event.data)
    local se = good[2].raw
    assert.are.same({ "se", "shop", "add-to-basket", "book", "pcs", "2" },
      { se.e, se.se_ca, se.se_ac, se.se_la, se.se_pr, se.se_va })
    assert.are.same({ schema = TEST_EVENT, data = { name = "save", count = 3 } }, good[3].event.unstruct_event.data)
    local sd = good[3].raw
    if base64 then
      assert.is_not_nil(sd.ue_px)
      assert.is_nil(sd.ue_pr)
    else
      assert.is_not_nil(sd.ue_pr)
      assert.is_nil(sd.ue_px)
    end
  end

  it("new_tracker(url): POST, base64 by default", function()
    local t = snowplow.new_tracker("http://" .. collector:endpoint())
    assert.are.equal("POST", t:get_emitter():get_request_method())
    configure(t)
    local eids = track_the_three(t)
    check("POST", true, eids)
  end)

  it("new_tracker(url, \"GET\", false)", function()
    local t = snowplow.new_tracker("http://" .. collector:endpoint(), "GET", false)
    assert.are.equal("GET", t:get_emitter():get_request_method())
    assert.are.equal("http://" .. collector:endpoint() .. "/i", t:get_emitter():get_collector_url())
    configure(t)
    local eids = track_the_three(t)
    check("GET", false, eids)
  end)

  it("tracker:encode_base64(false) after creation; an emitter object made first", function()
    local e = snowplow.new_emitter("http://" .. collector:endpoint(), "POST")
    assert.are.equal("http://" .. collector:endpoint() .. "/com.snowplowanalytics.snowplow/tp2",
      e:get_collector_url())
    local t = snowplow.new_tracker(e)
    t:encode_base64(false)
    configure(t)
    local eids = track_the_three(t)
    check("POST", false, eids)
  end)

  it("a URL without scheme means https, as 0.2 does", function()
    local t = snowplow.new_tracker("collector.example.com")
    assert.are.equal("https://collector.example.com/com.snowplowanalytics.snowplow/tp2",
      t:get_emitter():get_collector_url())
  end)
end)
