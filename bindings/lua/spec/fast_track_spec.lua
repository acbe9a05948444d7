-- tracker:track_self_describing_event(schema, data, contexts) runs in one C
-- call (bindings/lua/lua_track.c). The Lua way it replaced stays as the
-- reference (Tracker._track_self_describing_lua, also used for what the C
-- call leaves to it): the same JSON must reach the collector, the same errors
-- must be raised, nothing may be sent for bad input.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local ref = require("support.json_reference")
local snowplow = require("snowplow")
local core = require("snowplow.core")
local json = snowplow.json

local ANY = "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0"
local ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"
local lua_way = snowplow.Tracker._track_self_describing_lua
local SDJSON_MT = getmetatable(snowplow.self_describing_json(ANY, {}))
-- The C function alone: false means "left to the Lua way".
local fast = core.track_self_describing_function(json.null, json._array_mt, SDJSON_MT)

local function random_object(r, case)
  local t = {}
  for _ = 1, r(0, 6) do t[ref.random_string(r)] = ref.random_value(r, 1, json.null, json.array) end
  t.case = case
  return t
end

local function random_contexts(r)
  local n = r(0, 3)
  if n == 0 and r(0, 1) == 0 then return nil end
  local list = {}
  for i = 1, n do
    local data = random_object(r, -i)
    list[i] = r(0, 2) == 0 and snowplow.self_describing_json(ANY, data) or { schema = ANY, data = data }
  end
  return list
end

describe("track_self_describing_event in C", function()
  local collector, emitter, tracker

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)
  before_each(function()
    collector:reset()
    emitter = snowplow.new_emitter("http://" .. collector:endpoint(), { buffer_size = 50 })
    tracker = snowplow.new_tracker(emitter, { encode_base64 = false, namespace = "fast" })
  end)
  after_each(function() emitter:close() end)

  it("sends the same JSON as the Lua way, on many values", function()
    local reference = snowplow.new_tracker(emitter, { encode_base64 = false, namespace = "lua" })
    math.randomseed(7)
    local r = math.random
    local cases = 150
    for case = 1, cases do
      local data, contexts = random_object(r, case), random_contexts(r)
      local eid = tracker:track_self_describing_event(ANY, data, contexts)
      assert.are.equal("string", type(eid))
      assert.are.equal("string", type(lua_way(reference, ANY, data, contexts)))
    end
    assert.is_true(tracker:flush(60000))
    -- Some random tables hold both 1 and "1" as keys: JSON with a duplicate
    -- key, which the collector calls bad. The text must be the same anyway.
    local by, bad = { fast = {}, lua = {} }, { fast = 0, lua = 0 }
    for _, list in ipairs({ collector:good(), collector:bad() }) do
      for _, rec in ipairs(list) do
        if rec.errors then bad[rec.raw.tna] = bad[rec.raw.tna] + 1 end
        by[rec.raw.tna][tonumber(rec.raw.ue_pr:match('"case":(%d+)'))] = rec.raw
      end
    end
    assert.are.equal(bad.lua, bad.fast)
    assert.is_true(bad.fast < cases / 2)
    for case = 1, cases do
      local a, b = by.fast[case], by.lua[case]
      assert.is_not_nil(a, "case " .. case)
      assert.is_not_nil(b, "case " .. case)
      assert.are.equal(b.ue_pr, a.ue_pr, "case " .. case)
      assert.are.equal(b.co, a.co, "case " .. case)
      assert.is_nil(a.ue_px or a.cx)
    end
    -- The data's JSON is exactly the reference text (the envelope around it aside).
    local data = { n = 3, price = 19.99, tiny = 1e-7, flag = false, list = { 1, "two", json.null },
                   empty = json.array(), obj = {} }
    local eid = tracker:track_self_describing_event(ANY, data)
    assert.is_true(tracker:flush(60000))
    local last
    for _, rec in ipairs(collector:good()) do
      if rec.raw.eid == eid then last = rec.raw end
    end
    assert.is_not_nil(last)
    assert.are.equal('{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",'
      .. '"data":{"schema":"' .. ANY .. '","data":' .. ref.encode(data, json.null, json._array_mt) .. '}}',
      last.ue_pr)
  end)

  it("keeps integers integers and big numbers exact", function()
    local data = { n = 2 ^ 31, big = 2 ^ 53, huge = 2 ^ 63, third = 1 / 3, neg = -0.5 }
    if math.type then data.max, data.min = math.maxinteger, math.mininteger end
    tracker:track_self_describing_event(ANY, data, { { schema = ENTITY, data = { id = "x", n = 7 } } })
    assert.is_true(tracker:flush(60000))
    local got = collector:good()
    assert.are.equal(1, #got)
    local text = got[1].raw.ue_pr
    for _, piece in ipairs({ '"n":2147483648', '"big":9007199254740992', '"huge":9.223372036854776e+18',
                             '"third":0.3333333333333333', '"neg":-0.5' }) do
      assert.truthy(text:find(piece, 1, true), piece .. " in " .. text)
    end
    if math.type then
      assert.truthy(text:find('"max":9223372036854775807', 1, true), text)
      assert.truthy(text:find('"min":-9223372036854775808', 1, true), text)
    end
    assert.are.equal('{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":'
      .. '[{"schema":"' .. ENTITY .. '","data":' .. ref.encode({ id = "x", n = 7 }) .. '}]}', got[1].raw.co)
  end)

  it("raises what the Lua way raises, in the same order, and sends nothing", function()
    local good_ctx = { schema = ENTITY, data = { id = "x" } }
    local sd = snowplow.self_describing_json(ENTITY, { id = "sd" })
    local cyclic = {}
    cyclic.me = { back = cyclic }
    local deep = {}
    local t = deep
    for _ = 1, 300 do t.x = {}; t = t.x end
    local cases = {
      { ANY, nil }, { ANY, 5 }, { ANY, "text" }, { ANY, true }, { ANY, print },
      { ANY, { f = print } }, { ANY, { y = { [7] = { x = { 1, 0 / 0 } } } } }, { ANY, { x = math.huge } },
      { ANY, { x = -math.huge } }, { ANY, cyclic }, { ANY, deep }, { ANY, { [true] = 1 } },
      { ANY, { [{}] = 1 } }, { ANY, { [math.huge] = 1 } }, { ANY, { list = { 1, 2, { co = coroutine.create(function() end) } } } },
      { ANY, { 1, 2, 3 } }, { ANY, json.array() }, { ANY, json.null },
      { "not-a-schema", {} }, { "", {} }, { ANY .. "\0tail", {} }, { "iglu:a/b/jsonschema/1-0", {} },
      { ANY, { text = "bad \255 utf-8" } },
      { ANY, {}, 5 }, { ANY, {}, "contexts" }, { ANY, {}, true }, { ANY, {}, print },
      { ANY, {}, { 5 } }, { ANY, {}, { "x" } }, { ANY, {}, { good_ctx, false } }, { ANY, {}, { good_ctx, sd, print } },
      { ANY, {}, { {} } }, { ANY, {}, { { schema = 5, data = {} } } }, { ANY, {}, { { schema = ENTITY } } },
      { ANY, {}, { { schema = ENTITY, data = "x" } } }, { ANY, {}, { { data = { id = 1 } } } },
      { ANY, {}, { { schema = "nope", data = {} } } }, { ANY, {}, { { schema = ENTITY .. "\0", data = {} } } },
      { ANY, {}, { good_ctx, { schema = ENTITY, data = { id = { 1, 0 / 0 } } } } },
      { ANY, {}, { good_ctx, { schema = ENTITY, data = { list = { 1, { deep = print } } } } } },
      { ANY, {}, { { schema = ENTITY, data = { 1, 2 } } } }, { ANY, {}, { { schema = ENTITY, data = json.null } } },
      { ANY, {}, { { schema = ENTITY, data = { s = "\255" } } } },
      -- the first error wins: data before schema before contexts
      { "not-a-schema", { f = print }, { 5 } }, { "not-a-schema", {}, { 5 } }, { ANY, 5, 5 },
      { ANY, { bad = 0 / 0 }, { { schema = 5 } } },
    }
    for i, c in ipairs(cases) do
      local ok1, e1 = pcall(fast, tracker.native, c[1], c[2], c[3])
      local ok2, e2 = pcall(lua_way, tracker, c[1], c[2], c[3])
      local ok3, e3 = pcall(tracker.track_self_describing_event, tracker, c[1], c[2], c[3])
      assert.is_false(ok1, "case " .. i .. " passed in C")
      assert.is_false(ok2, "case " .. i .. " passed in Lua")
      assert.are.equal("string", type(e2), "case " .. i)
      assert.are.equal(e2, e1, "case " .. i)
      assert.are.equal(e2, e3, "case " .. i)
    end
    assert.are.equal(0, emitter:counter("tracked"))
    tracker:track_struct_event("only", "this")
    assert.is_true(tracker:flush(60000))
    assert.are.same({ total = 1, good = 1, bad = 0 }, collector:counts())
  end)

  it("leaves to the Lua way what it does not handle, which still works", function()
    local ctx = { schema = ENTITY, data = { id = "proxied", n = 1 } }
    local proxy = setmetatable({}, { __index = function(_, i) if i == 1 then return ctx end end,
                                     __len = function() return 1 end })
    local odd_entry = setmetatable({}, { __index = ctx })
    local sd = snowplow.self_describing_json(ANY, { case = 4 })
    local calls = {
      { ANY, { case = 1 }, nil, 1700000000123 },
      { ANY, { case = 2 }, nil, snowplow.true_timestamp(1700000000456) },
      { ANY, { case = 3 }, proxy },
      { sd, { ctx } },
      { ANY, { case = 5 }, { odd_entry } },
      { 42, {} },
    }
    for i, c in ipairs(calls) do
      assert.are.equal(false, fast(tracker.native, c[1], c[2], c[3], c[4]), "call " .. i)
    end
    assert.is_false(fast("not a tracker", ANY, {}))
    assert.is_false(fast(emitter.native, ANY, {}))
    assert.are.equal(0, emitter:counter("tracked"))
    for i = 1, 5 do
      local c = calls[i]
      assert.are.equal("string", type(tracker:track_self_describing_event(c[1], c[2], c[3], c[4])), "call " .. i)
    end
    assert.are.equal("track_self_describing_event: schema: expected a string, got number",
      select(2, pcall(tracker.track_self_describing_event, tracker, 42, {})))
    assert.is_true(tracker:flush(60000))
    assert.are.same({}, collector:bad())
    local by = {}
    for _, rec in ipairs(collector:good()) do by[rec.event.unstruct_event.data.data.case] = rec.event end
    assert.are.equal("1700000000123", by[1].dtm)
    assert.are.equal("1700000000456", by[2].ttm)
    -- Lua 5.1 has no __len for tables: the proxy then holds no context, both ways.
    if _VERSION == "Lua 5.1" then
      assert.is_nil(by[3].contexts)
    else
      assert.are.same({ ctx }, by[3].contexts)
    end
    assert.are.same({ ctx }, by[4].contexts)
    assert.are.same({ ctx }, by[5].contexts)
  end)

  it("takes snowplow.self_describing_json values as contexts, mixed with tables", function()
    local a = snowplow.self_describing_json(ENTITY, { id = "a" })
    local eid = tracker:track_self_describing_event(ANY, { case = 1 },
      { a, { schema = ENTITY, data = { id = "b", tags = { "x" } } }, a })
    assert.is_true(tracker:flush(60000))
    local got = collector:good()
    assert.are.equal(1, #got)
    assert.are.equal(eid, got[1].event.eid)
    assert.are.same({ { schema = ENTITY, data = { id = "a" } }, { schema = ENTITY, data = { id = "b", tags = { "x" } } },
                      { schema = ENTITY, data = { id = "a" } } }, got[1].event.contexts)
  end)

  it("returns nil when the queue is full, as the Lua way does", function()
    emitter:close()
    collector:fault({ hang = true })
    emitter = snowplow.new_emitter("http://" .. collector:endpoint(),
      { buffer_size = 1, buffer_capacity = 5, request_timeout_ms = 30000 })
    tracker = snowplow.new_tracker(emitter)
    local refused = 0
    for i = 1, 30 do
      local eid = tracker:track_self_describing_event(ANY, { case = i }, { { schema = ENTITY, data = { id = "f" } } })
      if eid == nil then refused = refused + 1 else assert.are.equal("string", type(eid)) end
    end
    assert.are.equal(refused, emitter:counter("dropped"))
    assert.is_true(refused >= 30 - 5 - 2)
    assert.is_nil(lua_way(tracker, ANY, { case = 31 }))
    collector:reset() -- lets the hanging request go (it may fail and be retried)
    for _ = 1, 1200 do
      if emitter:counter("sent") + emitter:counter("dropped") == 31 then break end
      support.sleep(0.05)
    end
    assert.is_true(tracker:flush(60000))
    assert.are.equal(31, emitter:counter("sent") + emitter:counter("dropped"))
  end)
end)
