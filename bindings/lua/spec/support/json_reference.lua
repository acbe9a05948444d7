--- A slow, plain-Lua statement of the JSON rules of snowplow.json, for the
-- specs to hold the C encoder to (same text, byte for byte):
--   numbers: integers (5.3+) with %d; floats with an integral value below
--     2^53 with %.0f; other floats in the first of %.15g, %.16g that reads
--     back exactly, else %.17g ('.' as the separator: the specs run in the C
--     locale);
--   tables: an array when its metatable is the array marker or its keys are
--     exactly 1..n (n >= 1), else an object in pairs() order; null is null;
--   strings: '"', '\' and control characters (and DEL) escaped.
-- Errors are not modelled: encode() returns nil for what cannot be encoded.
local M = {}

local math_type = math.type
local floor, format = math.floor, string.format

function M.number(x)
  if math_type and math_type(x) == "integer" then return format("%d", x) end
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  if floor(x) == x and math.abs(x) < 2 ^ 53 then return format("%.0f", x) end
  for _, f in ipairs({ "%.15g", "%.16g" }) do
    local s = format(f, x)
    if tonumber(s) == x then return s end
  end
  return format("%.17g", x)
end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
                  ["\r"] = "\\r", ["\t"] = "\\t" }

function M.string(s)
  return '"' .. s:gsub('[%c"\\\127]', function(c)
    return escapes[c] or format("\\u%04x", c:byte())
  end) .. '"'
end

-- The old rule, literally: every key a positive whole number, and 1..count all set.
local function is_sequence(t)
  local count = 0
  for k in pairs(t) do
    if type(k) ~= "number" or floor(k) ~= k or k < 1 then return false end
    count = count + 1
  end
  if count == 0 then return false end
  for i = 1, count do
    if rawget(t, i) == nil then return false end
  end
  return true, count
end

function M.encode(v, null, array_mt)
  local t = type(v)
  if t == "string" then return M.string(v) end
  if t == "number" then return M.number(v) end
  if t == "boolean" then return tostring(v) end
  if t ~= "table" then return nil end
  if v == null then return "null" end
  local parts = {}
  local seq, n = false, 0
  if getmetatable(v) == array_mt and array_mt ~= nil then
    seq, n = true, #v
  else
    seq, n = is_sequence(v)
  end
  if seq then
    for i = 1, n do
      local s = M.encode(rawget(v, i), null, array_mt)
      if s == nil then return nil end
      parts[i] = s
    end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  for k, x in pairs(v) do
    local key
    if type(k) == "string" then key = k
    elseif type(k) == "number" then key = M.number(k)
    end
    local s = M.encode(x, null, array_mt)
    if key == nil or s == nil then return nil end
    parts[#parts + 1] = M.string(key) .. ":" .. s
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

--- Random values for the specs (deterministic for a seed): numbers of every
-- kind, strings with escapes and UTF-8, nested tables.
function M.random_number(r)
  local kind = r(1, 8)
  if kind == 1 then return r(-1000000, 1000000) end                      -- small integers
  if kind == 2 then                                                        -- decimals as written
    local digits = r(0, 12)
    return tonumber(format("%." .. digits .. "f", (r() - 0.5) * 10 ^ r(-5, 15)))
  end
  if kind == 3 then return (r() - 0.5) * 10 ^ r(-320, 308) end            -- anything
  if kind == 4 then                                                        -- raw mantissas
    return (r(0, 2 ^ 26) * 2 ^ 27 + r(0, 2 ^ 27 - 1)) * 2.0 ^ r(-1100, 970) * (r(0, 1) * 2 - 1)
  end
  if kind == 5 then return r(-99999, 99999) / 10 ^ r(1, 8) end
  if kind == 6 then return r(0, 2 ^ 30) * 2.0 ^ r(0, 40) end              -- integral floats
  if kind == 7 then return 1 / r(1, 1000) end
  local specials = { 0.1, 0.2, 0.1 + 0.2, 1 / 3, 2 / 3, 1e-4, 0.0001000000000000001, 9.9999999999999e-5,
                     1e14, 1e14 - 0.5, 99999999999999.9, 999999999999999.9, 1e15 + 0.5, 1e21, 1e22, 2 ^ 53,
                     2 ^ 53 + 2, 2 ^ 63, -(2 ^ 63), 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                     -0.0, 0.0, 0.5, -2.5, 19.99, 7.99, 123456789.123, 1e-7, 1.5e-5, 12345678901234.5 }
  return specials[r(1, #specials)]
end

function M.random_string(r)
  local pieces = { "a", "Z", "0", " ", '"', "\\", "\n", "\t", "\r", "\b", "\f", "\1", "\31", "\127", "/",
                   "ü", "✓", "😀", "日本", "\0", "{", "}", "[", "]", ":", "," }
  local out = {}
  for i = 1, r(0, 12) do out[i] = pieces[r(1, #pieces)] end
  return table.concat(out)
end

function M.random_value(r, depth, null, array)
  local kind = r(1, depth > 3 and 5 or 8)
  if kind == 1 then return M.random_number(r) end
  if kind == 2 then return M.random_string(r) end
  if kind == 3 then return r(0, 1) == 1 end
  if kind == 4 then return null end
  if kind == 5 then return r(-5, 5) end
  if kind == 6 then                                                        -- a sequence, or an empty array
    local t = {}
    for i = 1, r(0, 5) do t[i] = M.random_value(r, depth + 1, null, array) end
    if #t == 0 then return array() end
    return t
  end
  if kind == 7 then                                                        -- keys that look like a sequence, or not
    local t = {}
    local keys = { 1, 2, 3, 4, 0, -1, 1.5, 2 ^ 40, "1", "k" }
    for _ = 1, r(1, 4) do t[keys[r(1, #keys)]] = M.random_value(r, depth + 1, null, array) end
    return t
  end
  local t = {}                                                             -- an object
  for _ = 1, r(0, 6) do t[M.random_string(r)] = M.random_value(r, depth + 1, null, array) end
  return t
end

return M
