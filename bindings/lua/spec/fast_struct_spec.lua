-- tracker:track_struct_event runs in one C call (bindings/lua/lua_track_struct.c)
-- unless given contexts, an odd timestamp or a string with a NUL byte. The
-- Lua way (Tracker._track_struct_lua) is the reference: the same fields must
-- reach the collector, the same errors be raised, nothing sent for bad input.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local snowplow = require("snowplow")
local core = require("snowplow.core")

local lua_way = snowplow.Tracker._track_struct_lua

local function fields(record)
  local t = {}
  for k, v in pairs(record.raw) do
    if k ~= "eid" and k ~= "stm" and k ~= "tna" and k ~= "dtm" then t[k] = v end
  end
  return t
end

describe("track_struct_event in C", function()
  local collector, emitter, fast, reference

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)
  before_each(function()
    collector:reset()
    emitter = snowplow.new_emitter("http://" .. collector:endpoint(), { buffer_size = 50 })
    fast = snowplow.new_tracker(emitter, { namespace = "fast" })
    reference = snowplow.new_tracker(emitter, { namespace = "lua" })
  end)
  after_each(function() emitter:close() end)

  local calls = {
    { "shop", "add" },
    { "shop", "add", "book", "pcs", 2 },
    { "shop", "add", nil, nil, 7.99 },
    { "shop", "add", "", "", -0.5 },
    { "ü ✓", "😀", "label ü", "prop", 1e15 },
    { "shop", "add", "l", nil, 3, nil, 1700000000123 },
    { "shop", "add", "l", nil, 3, nil, 1700000000123.4 },
    { "shop", "add", "big", nil, 2 ^ 53 },
  }
  if math.type then -- integers beyond 2^53 keep their digits (the event object's way)
    calls[#calls + 1] = { "shop", "add", "int", nil, math.maxinteger }
    calls[#calls + 1] = { "shop", "add", "int", nil, math.tointeger(-2 ^ 53) - 1 }
  end

  it("is taken for the calls without contexts, and sends what the Lua way sends", function()
    for i, args in ipairs(calls) do
      local label = { args[1], args[2], args[3] and (args[3] .. "#" .. i) or ("#" .. i), args[4], args[5], nil, args[7] }
      local eid = core.track_struct(fast.native, label[1], label[2], label[3], label[4], label[5], nil, label[7])
      assert.is_string(eid, "call " .. i) -- (not false: the C call did it)
      assert.is_string(lua_way(reference, label[1], label[2], label[3], label[4], label[5], nil, label[7]))
    end
    assert.is_true(emitter:flush(60000))
    assert.are.same({}, collector:bad())
    local by = { fast = {}, lua = {} }
    for _, r in ipairs(collector:good()) do
      by[r.raw.tna][r.raw.se_la] = r
    end
    for i, args in ipairs(calls) do
      local key = args[3] and (args[3] .. "#" .. i) or ("#" .. i)
      local a, b = by.fast[key], by.lua[key]
      assert.is_not_nil(a, key)
      assert.are.same(fields(b), fields(a), key)
      if args[7] then
        assert.are.equal("1700000000123", a.raw.dtm)
        assert.are.equal(b.raw.dtm, a.raw.dtm)
      end
    end
  end)

  it("leaves contexts, odd timestamps and NUL bytes to the Lua way", function()
    local ctx = { { schema = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0", data = { id = "x" } } }
    assert.is_false(core.track_struct(fast.native, "a", "b", nil, nil, nil, ctx))
    assert.is_false(core.track_struct(fast.native, "a", "b", nil, nil, nil, nil, snowplow.true_timestamp(1)))
    assert.is_false(core.track_struct(fast.native, "a", "b", nil, nil, nil, nil, 0 / 0))
    assert.is_false(core.track_struct(fast.native, "a\0b", "b"))
    assert.is_false(core.track_struct(fast.native, "a", "b", "x\0"))
    assert.is_false(core.track_struct({}, "a", "b"))
    -- and the method still does them, the Lua way
    assert.is_string(fast:track_struct_event("a", "b", nil, nil, nil, ctx))
    assert.is_string(fast:track_struct_event("a", "b", nil, nil, nil, nil, snowplow.true_timestamp(1700000000000)))
    assert.has_error(function() fast:track_struct_event("a\0b", "b") end)
    assert.is_true(emitter:flush(60000))
    assert.are.equal(2, #collector:good())
  end)

  it("raises the Lua way's errors, and sends nothing", function()
    local bad = {
      { "shop", "add", nil, nil, "2" },
      { 1, "add" },
      { "shop", nil },
      { "shop", "add", 3 },
      { "shop", "add", nil, {} },
      { "", "add" },
      { "shop", "add", nil, nil, 0 / 0 },
      { "sh\255op", "add" },
      { "shop", "" },
      { "shop", "add", "\195" },
    }
    for i, args in ipairs(bad) do
      local ok1, e1 = pcall(fast.track_struct_event, fast, args[1], args[2], args[3], args[4], args[5])
      local ok2, e2 = pcall(lua_way, reference, args[1], args[2], args[3], args[4], args[5])
      assert.is_false(ok1, "case " .. i)
      assert.is_false(ok2, "case " .. i)
      assert.are.equal(e2, e1, "case " .. i)
      assert.is_truthy(e1:find("^track_struct_event: ") or e1:find("^snowplow_event"), e1)
    end
    assert.is_true(emitter:flush(60000))
    assert.are.same({ total = 0, good = 0, bad = 0 }, collector:counts())
  end)
end)
