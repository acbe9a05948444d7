--- The first generation of the official Lua tracker (SnowplowTracker 0.1):
-- snowplow.newTrackerForUri(host), snowplow.newTrackerForCf(subdomain) and the
-- camelCase methods, with 0.1's conventions:
--
-- * every method returns true, or false and a message; none raises. A bad
--   argument gives false and 0.1's words for it ("se_ca is required and must
--   be a non-empty string, not [23.2]"; 0.1 raised them) and changes nothing;
-- * the constructors return nil and 0.1's message for a bad host (0.1 raised):
--   Lua's way for a constructor that cannot make its object;
-- * a track method waits for the collector, as 0.1 did;
-- * events go by GET to http://HOST/i, one request each, never retried.
--
-- What 0.1 sent that today's pipeline rejects (e=sv screen views, ue_na
-- unstructured events without a schema) is not sent: the method answers
-- false and a message naming the replacement. The object is also a full
-- snowplow tracker: the snake_case methods of docs/lua.md work on it.
return function(snowplow)
  local Tracker = snowplow.Tracker
  local type, tostring, next, floor = type, tostring, next, math.floor

  local Tracker01 = setmetatable({}, { __index = Tracker })
  Tracker01.__index = Tracker01

  --- How long a track method waits for the collector (ms).
  snowplow.TRACKER01_WAIT_MS = 60000

  -- 0.1's rendering of a bad value in its messages (numbers as Lua 5.1
  -- writes them, on every version: 23.0 is "23").
  local function shown(value)
    if value == nil then return "<nil>" end
    if type(value) == "table" then return next(value) == nil and "{}" or "<table>" end
    if type(value) == "number" then return string.format("%.14g", value) end
    return tostring(value)
  end

  local function invalid(name, rule, value)
    error(name .. rule .. ", not [" .. shown(value) .. "]", 0)
  end

  local function non_empty_string(name, value)
    if type(value) ~= "string" or value == "" then
      invalid(name, " is required and must be a non-empty string", value)
    end
  end

  local function string_or_nil(name, value)
    if value ~= nil and type(value) ~= "string" then invalid(name, " must be a string or nil", value) end
  end

  local function number_or_nil(name, value)
    if value ~= nil and type(value) ~= "number" then invalid(name, " must be a number or nil", value) end
  end

  local function positive_integer(name, value)
    if type(value) ~= "number" or value ~= floor(value) or value < 0 then
      invalid(name, " is required and must be a positive integer", value)
    end
  end

  local function non_empty_table(name, value)
    if type(value) ~= "table" or next(value) == nil then
      invalid(name, " is required and must be a non-empty table", value)
    end
  end

  -- 0.1 took seconds and sent them times 1000 as dtm; no tstamp: now.
  local function device_ms(tstamp)
    local ms = type(tstamp) == "number" and tstamp * 1000 or tstamp
    if tstamp ~= nil then positive_integer("dtm", ms) end
    return ms
  end

  local PLATFORMS = { pc = true, tv = true, mob = true, cnsl = true, iot = true }

  -- 0.1's words for an undelivered event; `result` from the emitter.
  local function failure_message(uri, result)
    if result == nil then return "No answer from [" .. uri .. "] in time" end
    if result.reason == "queue full" then return "Event dropped: queue full" end
    local code = result.status or 0
    if code >= 500 then return "HTTP status code [" .. code .. "] is a server error" end
    if code >= 400 then return "HTTP status code [" .. code .. "] is a client error" end
    if tostring(result.reason):find("resolve", 1, true) then
      return "Host [" .. uri .. "] not found (possible connectivity error)"
    end
    return "Unrecognised status code [" .. tostring(result.reason) .. "]"
  end

  local function new_tracker01(url)
    local outcomes = {}
    local emitter = snowplow.new_emitter(url, {
      method = "GET", max_attempts = 1, thread_count = 1,
      on_result = function(r)
        for _, eid in ipairs(r.event_ids) do outcomes[eid] = r end
      end,
    })
    local t = snowplow.new_tracker(emitter)
    t.outcomes = outcomes
    t.uri = url .. "/i"
    return setmetatable(t, Tracker01)
  end

  -- A constructor's answer to a bad argument: nil and 0.1's message (Lua's
  -- way for a constructor that cannot make its object, as io.open), never raised.
  local function constructed(make, name, value)
    local ok, result = pcall(function()
      non_empty_string(name, value)
      return make(value)
    end)
    if ok then return result end
    return nil, result
  end

  --- A tracker sending to http://HOST/i; nil and a message for a bad host.
  function snowplow.newTrackerForUri(host)
    return constructed(function(h) return new_tracker01("http://" .. h) end, "host", host)
  end

  --- A tracker sending to http://SUBDOMAIN.cloudfront.net/i; nil and a message
  -- for a bad subdomain.
  function snowplow.newTrackerForCf(cfSubdomain)
    return constructed(function(s) return new_tracker01("http://" .. s .. ".cloudfront.net") end,
      "cfSubdomain", cfSubdomain)
  end

  -- The methods below check as 0.1 did, by raising; `answering` turns that
  -- into the 0.1 return convention once, for them all.
  local Methods = {}

  function Methods:encodeBase64(encode)
    if type(encode) ~= "boolean" then invalid("encode", " is required and must be a boolean", encode) end
    self:encode_base64(encode)
  end

  function Methods:platform(value)
    if type(value) ~= "string" or not PLATFORMS[value] then
      invalid("platform", " must be a string from the set {pc, mob, cnsl, tv, iot}", value)
    end
    Tracker.platform(self, value)
  end

  function Methods:setAppId(appId)
    non_empty_string("appId", appId)
    self:set_app_id(appId)
  end

  function Methods:setUserId(userId)
    non_empty_string("userId", userId)
    self:set_user_id(userId)
  end

  function Methods:setScreenResolution(width, height)
    positive_integer("width", width)
    positive_integer("height", height)
    self:set_screen_resolution(width, height)
  end

  function Methods:setViewport(width, height)
    positive_integer("width", width)
    positive_integer("height", height)
    self:set_viewport(width, height)
  end

  function Methods:setColorDepth(depth)
    positive_integer("depth", depth)
    self:set_color_depth(depth)
  end

  -- Track with `track` (a function returning the event id), wait for the
  -- collector's answer: true, or false and 0.1's kind of message.
  local function deliver(self, track)
    local ok, eid = pcall(track)
    if not ok then return false, tostring(eid) end
    if eid == nil then return false, failure_message(self.uri, { reason = "queue full" }) end
    self:flush(snowplow.TRACKER01_WAIT_MS)
    local result = self.outcomes[eid]
    -- (also the outcomes of snake_case events: nobody asks for them)
    for k in pairs(self.outcomes) do self.outcomes[k] = nil end
    if result and result.sent then return true end
    return false, failure_message(self.uri, result)
  end

  function Methods:trackStructEvent(category, action, label, property, value, tstamp)
    non_empty_string("se_ca", category)
    non_empty_string("se_ac", action)
    string_or_nil("se_la", label)
    string_or_nil("se_pr", property)
    number_or_nil("se_va", value)
    local ms = device_ms(tstamp)
    -- 0.1 left empty values out of the request.
    if label == "" then label = nil end
    if property == "" then property = nil end
    return deliver(self, function()
      return self:track_struct_event(category, action, label, property, value, nil, ms)
    end)
  end

  -- The obsolete ones: checked as 0.1 checked them, then refused.
  function Methods:trackScreenView(name, id, tstamp)
    non_empty_string("sv_na", name)
    string_or_nil("sv_id", id)
    device_ms(tstamp)
    return false, "trackScreenView: the e=sv screen view of tracker 0.1 is rejected by today's "
      .. "Snowplow pipeline; nothing was sent. Use track_screen_view(name, id), which sends a "
      .. "screen_view self-describing event"
  end

  function Methods:trackUnstructEvent(name, properties, tstamp)
    non_empty_string("ue_na", name)
    non_empty_table("ue_px|ue_pr", properties)
    device_ms(tstamp)
    return false, "trackUnstructEvent: an unstructured event without a schema (ue_na) is rejected "
      .. "by today's Snowplow pipeline; nothing was sent. Use "
      .. "trackSelfDescribingEvent(schema, data [, tstamp]) or "
      .. "track_self_describing_event(schema, data) with an Iglu schema for the data"
  end

  --- The replacement of trackUnstructEvent, in 0.1's conventions (tstamp in
  -- seconds; true, or false and a message).
  function Methods:trackSelfDescribingEvent(schema, data, tstamp)
    non_empty_string("schema", schema)
    non_empty_table("data", data)
    local ms = device_ms(tstamp)
    return deliver(self, function()
      return self:track_self_describing_event(schema, data, nil, ms)
    end)
  end

  -- true (or what the method returns), or false and the message of an error.
  local function answering(method)
    local function answer(ok, ...)
      if not ok then return false, tostring((...)) end
      if select("#", ...) == 0 then return true end
      return ...
    end
    return function(...) return answer(pcall(method, ...)) end
  end

  for name, method in pairs(Methods) do Tracker01[name] = answering(method) end

  snowplow.Tracker01 = Tracker01
end
