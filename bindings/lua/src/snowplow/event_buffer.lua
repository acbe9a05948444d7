--- snowplow.event_buffer: events held in a Lua table and handed to a tracker
-- in bulk, for servers that track one event per request (nginx: see
-- snowplow.nginx and docs/lua.md, "Lua in nginx").
--
--   local buf = require("snowplow.event_buffer").new(tracker, { capacity = 4096 })
--   buf:track_struct_event("shop", "checkout", label, nil, 2)   -- only stores the arguments
--   buf:handover()                                            -- tracks them all, in order
--
-- Why: a track call does its work (checks, event id, encoding, queueing) with
-- the caches cold when it runs once per request; storing the arguments is a
-- few table writes, which LuaJIT compiles, and the handover then tracks many
-- events in a row with warm caches (docs/performance.md, "Lua in nginx").
--
-- * The arguments' types are checked when the event is stored (a bad one
--   raises, naming it, as the tracker's methods do); the rest (NUL bytes,
--   schemas, JSON) at the handover.
-- * The device timestamp (dtm) is the time of the store call by `now_ms()`
--   when given (nginx: ngx.now()), else the time of the handover.
-- * Bounded: the buffer hands itself over when it holds `capacity` events; a
--   store call made during a handover (from a callback) that finds the buffer
--   full, or made after close(), drops the event, reports it and returns
--   false. Nothing waits.
-- * Every event is accounted for: counters() gives stored, handed_over,
--   refused and dropped, and stored == handed_over + refused + dropped +
--   held. Handed-over events are the tracker's (its emitters count them as
--   tracked, then sent, failed or dropped). Refused ones (an error at the
--   handover) and dropped ones go to `report(message, events)`: by default
--   each emitter's on_failure(0, events), events as payload tables.
-- * Data tables are kept by reference until the handover: do not change one
--   after the call.
local snowplow = require("snowplow")
local core = require("snowplow.core")

local type, pcall, tostring, floor = type, pcall, tostring, math.floor
local Tracker = snowplow.Tracker

local M = {}
local Buffer = {}
Buffer.__index = Buffer

-- Slots per event: the tracker method, then its arguments after the
-- tracker (up to 7; the last given is the time, ms, as the timestamp).
local STRIDE = 8

local ok_new, table_new = pcall(require, "table.new")
if not ok_new then
  table_new = function() return {} end
end

local function no_time() return nil end

local function bad(fn, name, expected, value)
  error("event_buffer." .. fn .. ": " .. name .. ": expected " .. expected .. ", got " .. type(value), 0)
end

local function check_string(fn, name, value, optional)
  if type(value) ~= "string" and not (optional and value == nil) then
    bad(fn, name, optional and "a string or nil" or "a string", value)
  end
end

local function check_table(fn, name, value)
  if value ~= nil and type(value) ~= "table" then bad(fn, name, "a table or nil", value) end
end

local function ms_text(ms)
  return ms and string.format("%.0f", ms)
end

-- The refused or dropped event as on_failure shows events: payload fields.
local function as_payload(slots, i)
  local method, a, b, c, d, e, f, g = slots[i + 1], slots[i + 2], slots[i + 3], slots[i + 4], slots[i + 5],
    slots[i + 6], slots[i + 7], slots[i + 8]
  if method == Tracker.track_struct_event then
    return { e = "se", se_ca = a, se_ac = b, se_la = c, se_pr = d, se_va = e ~= nil and tostring(e) or nil,
             dtm = ms_text(g) }
  elseif method == Tracker.track_page_view then
    return { e = "pv", url = a, page = b, refr = c, dtm = ms_text(e) }
  end
  return { e = "ue", ue_pr = { schema = a, data = b }, dtm = ms_text(d) }
end

--- The default report: each emitter's on_failure(0, events).
local function report_to_on_failure(tracker)
  return function(_, events)
    for _, e in ipairs(tracker:get_emitters()) do
      if e.on_failure then
        local ok, err = pcall(e.on_failure, 0, events)
        if not ok then io.stderr:write("snowplow: on_failure callback failed: ", tostring(err), "\n") end
      end
    end
  end
end

--- A buffer for `tracker`. options: capacity (events, default 4096), now_ms
-- (a function giving the time in ms for dtm; default none: the handover's),
-- report(message, events) (refused and dropped events; default: each
-- emitter's on_failure).
function M.new(tracker, options)
  options = options or {}
  if getmetatable(tracker) ~= Tracker then error("event_buffer.new: tracker: expected a snowplow tracker", 2) end
  local capacity = options.capacity or 4096
  if type(capacity) ~= "number" or capacity < 1 or capacity ~= floor(capacity) then
    error("event_buffer.new: capacity: expected an integer > 0", 2)
  end
  return setmetatable({
    tracker = tracker,
    capacity = capacity,
    now_ms = options.now_ms or no_time,
    report = options.report or report_to_on_failure(tracker),
    slots = table_new(capacity * STRIDE, 0),
    spare = table_new(capacity * STRIDE, 0),
    held = 0,
    handing_over = false,
    closed = false,
    c_stored = 0, c_handed_over = 0, c_refused = 0, c_dropped = 0,
  }, Buffer)
end

-- Report through self.report; an error there is written to stderr and does
-- not stop a handover (nor leave the buffer stuck in it).
local function report(self, message, event)
  local ok, err = pcall(self.report, message, { event })
  if not ok then io.stderr:write("snowplow: event buffer report failed: ", tostring(err), "\n") end
end

-- Store one event (its time among the arguments); hand the buffer over when
-- it is full.
local function store(self, method, a, b, c, d, e, f, g)
  local n = self.held
  self.c_stored = self.c_stored + 1
  local slots = self.slots
  local i = n * STRIDE
  slots[i + 1], slots[i + 2], slots[i + 3], slots[i + 4] = method, a, b, c
  slots[i + 5], slots[i + 6], slots[i + 7], slots[i + 8] = d, e, f, g
  self.held = n + 1
  if n + 1 >= self.capacity or self.closed then
    if self.handing_over or self.closed then
      -- (a callback's event during a handover, or after close): nowhere to go
      self.held = n
      self.c_dropped = self.c_dropped + 1
      report(self, self.closed and "event buffer closed" or "event buffer full", as_payload(slots, i))
      return false
    end
    self:handover()
  end
  return true
end

--- tracker:track_struct_event(category, action, label, property, value, contexts), stored.
-- Returns true (stored), or false when the event was dropped and reported.
function Buffer:track_struct_event(category, action, label, property, value, contexts)
  local fn = "track_struct_event"
  check_string(fn, "category", category)
  check_string(fn, "action", action)
  check_string(fn, "label", label, true)
  check_string(fn, "property", property, true)
  if value ~= nil and type(value) ~= "number" then bad(fn, "value", "a number or nil", value) end
  check_table(fn, "contexts", contexts)
  return store(self, Tracker.track_struct_event, category, action, label, property, value, contexts,
    self.now_ms())
end

--- tracker:track_page_view(page_url, page_title, referrer, contexts), stored.
function Buffer:track_page_view(page_url, page_title, referrer, contexts)
  local fn = "track_page_view"
  check_string(fn, "page_url", page_url)
  check_string(fn, "page_title", page_title, true)
  check_string(fn, "referrer", referrer, true)
  check_table(fn, "contexts", contexts)
  return store(self, Tracker.track_page_view, page_url, page_title, referrer, contexts, self.now_ms())
end

--- tracker:track_self_describing_event(schema, data, contexts), stored.
function Buffer:track_self_describing_event(schema, data, contexts)
  local fn = "track_self_describing_event"
  check_string(fn, "schema", schema)
  if type(data) ~= "table" then bad(fn, "data", "a table", data) end
  check_table(fn, "contexts", contexts)
  return store(self, Tracker.track_self_describing_event, schema, data, contexts, self.now_ms())
end

local track_buffer, track_struct = core.track_buffer, Tracker.track_struct_event

--- Track every held event, in order, in one C call; returns how many were
-- handed over. An event the tracker refuses (an error) is reported, with
-- the message.
function Buffer:handover()
  local n = self.held
  if n == 0 or self.handing_over then return 0 end
  local slots, tracker = self.slots, self.tracker
  self.slots, self.spare, self.held = self.spare, slots, 0 -- (stores from callbacks go there)
  self.handing_over = true
  local ok, handed, refused = pcall(track_buffer, tracker.native, slots, n, track_struct, tracker)
  if not ok then -- (out of memory): which events went is unknown, report them all
    local err = tostring(handed)
    handed, refused = 0, {}
    for i = 1, n do refused[i] = { i - 1, err } end
  end
  self.c_handed_over = self.c_handed_over + handed
  if refused then
    self.c_refused = self.c_refused + #refused
    for _, r in ipairs(refused) do
      report(self, tostring(r[2]), as_payload(slots, r[1] * STRIDE))
    end
  end
  for i = 1, n * STRIDE do slots[i] = nil end -- (no references kept)
  self.handing_over = false
  return handed
end

--- Hand over what is held, then refuse (drop and report) later events.
function Buffer:close()
  self:handover()
  self.closed = true
end

--- {stored=, handed_over=, refused=, dropped=, held=}.
function Buffer:counters()
  return { stored = self.c_stored, handed_over = self.c_handed_over, refused = self.c_refused,
           dropped = self.c_dropped, held = self.held }
end

M.report_to_on_failure = report_to_on_failure

return M
