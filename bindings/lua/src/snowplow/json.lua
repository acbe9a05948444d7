--- snowplow.json: the JSON encoder for the data and contexts of events.
--
-- Lua has one table type for arrays and objects, so the encoder decides:
-- a table whose keys are exactly 1..n (n >= 1) is an array, any other table
-- an object (the empty table is an object). `json.array(t)` marks a table as an
-- array whatever it holds (use it for empty arrays), `json.null` stands for
-- JSON null (a nil value simply leaves the key out).
--
-- Numbers: integers (and floats with an integral value below 2^53, as Lua 5.1
-- has no integer type) are written as integers; other floats in the shortest
-- form that reads back to the same value, always with a '.' whatever the C
-- locale says. NaN and infinities are refused. Strings are written as they
-- are (UTF-8 is checked by the C library when the JSON is used), with '"',
-- '\' and control characters escaped. Object keys come in pairs() order.
--
-- The work is done in C (snowplow.core.json_encode): it is the larger part
-- of tracking an event from tables. Works on Lua 5.1 to 5.4.
local core = require("snowplow.core")

local json = {}

local setmetatable, type, error = setmetatable, type, error
local encode = core.json_encode

--- The JSON null value.
json.null = setmetatable({}, {
  __tostring = function() return "snowplow.json.null" end,
  __newindex = function() error("snowplow.json.null is read-only", 2) end,
})

local array_mt = { __snowplow_json_array = true }
-- For snowplow.lua only (its C fast path encodes tables too).
json._array_mt = array_mt

--- Mark `t` (or a new empty table) as a JSON array and return it.
function json.array(t)
  t = t or {}
  if type(t) ~= "table" then
    error("snowplow.json.array: expected a table, got " .. type(t), 2)
  end
  return setmetatable(t, array_mt)
end

--- Encode `value` as compact JSON text. Raises an error naming the path of
-- the first value that cannot be encoded ("data.items[2]: ...").
-- @param value the value
-- @param name optional name of the value for error messages (default "value")
function json.encode(value, name)
  return encode(value, name or "value", json.null, array_mt)
end

return json
