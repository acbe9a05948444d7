-- snowplow.json: the encoder used for data and contexts.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local json = require("snowplow.json")
local ref = require("support.json_reference")
local dkjson = require("dkjson")

-- Objects come in pairs() order: compare them decoded.
local function same_json(expected, text)
  local want = dkjson.decode(expected, 1, json.null)
  local got, _, err = dkjson.decode(text, 1, json.null)
  assert.is_nil(err, text)
  assert.are.same(want, got, text)
end

describe("snowplow.json", function()
  it("tells arrays from objects", function()
    assert.are.equal("[1,2,3]", json.encode({ 1, 2, 3 }))
    assert.are.equal("{}", json.encode({}))
    assert.are.equal("[]", json.encode(json.array()))
    assert.are.equal("[]", json.encode(json.array({})))
    same_json('{"1":"a","3":"c"}', json.encode({ [1] = "a", [3] = "c" }))
    same_json('{"1":"a","x":1}', json.encode({ "a", x = 1 }))
    same_json('{"a":[{"b":[]}],"c":null}', json.encode({ a = { { b = json.array() } }, c = json.null }))
    assert.are.equal('{"a":[{"b":[]}]}', json.encode({ a = { { b = json.array() } } }))
  end)

  it("writes numbers exactly, whatever the locale", function()
    assert.are.equal("[0,-7,35,9007199254740992,0.1,0.30000000000000004,1e+300,-2.5]",
      json.encode({ 0, -7, 35, 2 ^ 53, 0.1, 0.1 + 0.2, 1e300, -2.5 }))
    assert.are.equal("3", json.encode(3.0))
    local old = os.setlocale(nil, "numeric")
    if os.setlocale("de_DE.UTF-8", "numeric") then
      assert.are.equal("7.99", json.encode(7.99))
      os.setlocale(old, "numeric")
    end
    assert.has_error(function() json.encode(0 / 0) end)
    assert.has_error(function() json.encode({ x = math.huge }) end)
  end)

  it("writes numbers as the reference rules do, on many values", function()
    math.randomseed(11)
    for i = 1, 30000 do
      local x = ref.random_number(math.random)
      assert.are.equal(ref.number(x), json.encode(x), "value " .. i .. ": " .. string.format("%.17g", x))
    end
    -- around the limits of the plain-notation fast path
    for _, base in ipairs({ 1e-4, 1e14, 1e15, 2 ^ 53, 0.1, 1 }) do
      local x = base
      for _ = 1, 200 do
        for _, y in ipairs({ x, -x }) do
          assert.are.equal(ref.number(y), json.encode(y), string.format("%.17g", y))
        end
        x = x + x * 2 ^ -52
      end
    end
    for _, x in ipairs({ 0.0, -0.0, 1.5, -1.5, 2 ^ 53 - 1, -(2 ^ 53) + 1 }) do
      assert.are.equal(ref.number(x), json.encode(x), string.format("%.17g", x))
    end
  end)

  it("writes tables and strings as the reference rules do, on many values", function()
    math.randomseed(12)
    for i = 1, 4000 do
      local v = ref.random_value(math.random, 0, json.null, json.array)
      assert.are.equal(ref.encode(v, json.null, json._array_mt), json.encode(v), "value " .. i)
    end
    -- sequences, holes, and keys that are almost 1..n
    local shapes = {
      { [1] = "a" }, { [2] = "b" }, { [1] = "a", [3] = "c" }, { [0] = "z", [1] = "a" }, { [1] = "a", [1.5] = "h" },
      { [1] = "a", [2] = "b", x = "x" }, { [-1] = 1, [1] = 2 }, { [2 ^ 40] = 1 }, { [1] = 1, [2] = 2, [4] = 4 },
      json.array({ 1, 2 }), json.array({ [2] = "b" }), json.array({ x = 1 }),
    }
    for i, t in ipairs(shapes) do
      assert.are.equal(ref.encode(t, json.null, json._array_mt), json.encode(t), "shape " .. i)
    end
    local big = {}
    for i = 1, 3000 do big[i] = i * 0.5 end
    assert.are.equal(ref.encode(big), json.encode(big))
    big[1500] = nil
    assert.are.equal(ref.encode(big), json.encode(big))
    local long = string.rep('ab"\\c\n✓', 5000)
    assert.are.equal(ref.string(long), json.encode(long))
    assert.are.equal(ref.string(string.rep("x", 5000) .. "\1"), json.encode(string.rep("x", 5000) .. "\1"))
  end)

  it("escapes strings and keeps UTF-8", function()
    assert.are.equal('"a\\"b\\\\c\\n\\t\\u0001\\u007f"', json.encode('a"b\\c\n\t\1\127'))
    assert.are.equal('"ü ✓ 😀"', json.encode("ü ✓ 😀"))
    same_json('{"k":true,"l":false}', json.encode({ k = true, l = false }))
  end)

  it("refuses what JSON cannot hold, naming the path", function()
    local t = {}
    t.t = t
    assert.has_error(function() json.encode(t) end, "value.t: table refers to itself (cycle)")
    assert.has_error(function() json.encode({ f = print }, "data") end, "data.f: cannot encode a function as JSON")
    assert.has_error(function() json.encode({ [true] = 1 }) end, "value: a JSON object key must be a string, got boolean")
    assert.has_error(function() json.encode({ y = { [7] = { 1, 0 / 0 } } }, "data") end)
    local ok, err = pcall(json.encode, { y = { [7] = { x = { 1, 0 / 0 } } } }, "data")
    assert.is_false(ok)
    assert.truthy(err:find("^data%.y%.7%.x%[2%]: %-?nan is not a finite number$") or
                  err:find("^data%.y%.7%.x%[2%]: nan is not a finite number$"), err)
    local deep = {}
    local t = deep
    for _ = 1, 500 do t.x = {}; t = t.x end
    assert.truthy(select(2, pcall(json.encode, deep)):find("nested too deeply", 1, true))
  end)
end)
