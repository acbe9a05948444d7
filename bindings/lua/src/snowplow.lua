--- snowplow: the Snowplow event tracker for Lua, on libsnowplow.
--
-- Names follow the official Lua tracker (snowplow-lua-tracker):
--
--   local snowplow = require("snowplow")
--   local tracker = snowplow.new_tracker("collector.example.com")   -- POST, https
--   tracker:set_user_id("user-1")
--   tracker:track_screen_view("HUD > Save Game", "screen-23")
--   tracker:track_struct_event("shop", "add-to-basket", "book", "pcs", 2)
--   tracker:track_self_describing_event("iglu:com.acme/save/jsonschema/1-0-0", { level = 3 })
--   tracker:flush()
--
-- Every other event type of libsnowplow has its track_* method. Data and
-- contexts are Lua tables, encoded as JSON (snowplow.json). Delivery happens
-- in the C library's threads; callbacks (on_success, on_failure) run only on
-- the Lua thread that calls emitter:dispatch() (flush does it too), never
-- from another thread. Errors raise Lua errors carrying libsnowplow's message.
-- Works on Lua 5.1 to 5.4; see docs/lua.md.

local core = require("snowplow.core")
local json = require("snowplow.json")

local type, pairs, ipairs, error, pcall, setmetatable = type, pairs, ipairs, error, pcall, setmetatable
local tostring, select, floor = tostring, select, math.floor
local math_type = math.type

local snowplow = {}

snowplow.VERSION = core.version()
--- Sent as `tv` with every event.
snowplow.TRACKER_VERSION = "lua-" .. core.version()
snowplow.json = json
--- JSON null, and a marker for arrays (see snowplow.json).
snowplow.null = json.null
snowplow.array = json.array

local BASE = "iglu:com.snowplowanalytics.snowplow"

-- ---------------------------------------------------------------------------
-- argument checks (errors name the function and the argument)

local function fail(msg)
  error(msg, 0)
end

local function check_string(value, fn, name, optional)
  if value == nil and optional then return nil end
  if type(value) ~= "string" then
    fail(fn .. ": " .. name .. ": expected a string, got " .. type(value))
  end
  return value
end

local function check_number(value, fn, name, optional)
  if value == nil and optional then return nil end
  if type(value) ~= "number" then
    fail(fn .. ": " .. name .. ": expected a number, got " .. type(value))
  end
  return value
end

local function check_integer(value, fn, name, optional)
  if value == nil and optional then return nil end
  if type(value) ~= "number" or (not (math_type and math_type(value) == "integer")
      and (value ~= value or floor(value) ~= value)) then
    fail(fn .. ": " .. name .. ": expected an integer, got " .. tostring(value))
  end
  return value
end

local function check_table(value, fn, name, optional)
  if value == nil and optional then return nil end
  if type(value) ~= "table" then
    fail(fn .. ": " .. name .. ": expected a table, got " .. type(value))
  end
  return value
end

local function check_strings(value, fn, name, optional)
  if value == nil and optional then return nil end
  check_table(value, fn, name)
  for i = 1, #value do
    check_string(value[i], fn, name .. "[" .. i .. "]")
  end
  return value
end

local function to_json(value, fn, name)
  local ok, text = pcall(json.encode, value, name)
  if not ok then fail(fn .. ": " .. tostring(text)) end
  return text
end

-- ---------------------------------------------------------------------------
-- self-describing JSON

local SelfDescribingJson = {}
SelfDescribingJson.__index = SelfDescribingJson

--- A schema URI and its data (a table), built and checked once; attach it to
-- as many events as wanted.
function snowplow.self_describing_json(schema, data)
  check_string(schema, "self_describing_json", "schema")
  check_table(data, "self_describing_json", "data")
  local native = core.sdjson_new(schema, to_json(data, "self_describing_json", "data"))
  return setmetatable({ schema = schema, data = data, native = native,
                        _guard = core.guard(native, "sdjson") }, SelfDescribingJson)
end

--- The compact JSON text that is sent.
function SelfDescribingJson:to_json()
  return core.sdjson_json(self.native)
end

local function is_sdjson(value)
  return type(value) == "table" and getmetatable(value) == SelfDescribingJson
end

-- ---------------------------------------------------------------------------
-- timestamps (milliseconds since the epoch)

--- The true timestamp (`ttm`) of an event.
function snowplow.true_timestamp(ms)
  return { type = "ttm", value = check_number(ms, "true_timestamp", "ms") }
end

--- The device timestamp (`dtm`), instead of the time of tracking; a plain
-- number given as `tstamp` means the same.
function snowplow.device_timestamp(ms)
  return { type = "dtm", value = check_number(ms, "device_timestamp", "ms") }
end

-- ---------------------------------------------------------------------------
-- subject

local Subject = {}
Subject.__index = Subject

--- Who and where the events are about. Setters return the subject.
function snowplow.new_subject()
  local native = core.subject_new()
  return setmetatable({ native = native, _guard = core.guard(native, "subject") }, Subject)
end

local subject_strings = {
  set_user_id = "subject_set_user_id", set_timezone = "subject_set_timezone",
  set_lang = "subject_set_lang", set_domain_user_id = "subject_set_domain_user_id",
  set_network_user_id = "subject_set_network_user_id",
  set_domain_session_id = "subject_set_domain_session_id",
  set_ip_address = "subject_set_ip_address", set_useragent = "subject_set_useragent",
  set_platform = "subject_set_platform",
}
for method, fn in pairs(subject_strings) do
  Subject[method] = function(self, value)
    core[fn](self.native, check_string(value, method, "value", true))
    return self
  end
end

function Subject:set_screen_resolution(width, height)
  core.subject_set_screen_resolution(self.native, check_integer(width, "set_screen_resolution", "width"),
    check_integer(height, "set_screen_resolution", "height"))
  return self
end

function Subject:set_viewport(width, height)
  core.subject_set_viewport(self.native, check_integer(width, "set_viewport", "width"),
    check_integer(height, "set_viewport", "height"))
  return self
end

function Subject:set_color_depth(depth)
  core.subject_set_color_depth(self.native, check_integer(depth, "set_color_depth", "depth"))
  return self
end

function Subject:set_domain_session_index(index)
  core.subject_set_domain_session_index(self.native,
    check_integer(index, "set_domain_session_index", "index"))
  return self
end

--- A field by its protocol name ("uid", "res", ...), or nil.
function Subject:get(field)
  return core.subject_get(self.native, check_string(field, "get", "field"))
end

-- ---------------------------------------------------------------------------
-- emitter

local Emitter = {}
Emitter.__index = Emitter

local emitter_keys = {
  method = true, request_type = true, protocol = true, port = true, buffer_size = true,
  batch_size = true, thread_count = true, byte_limit = true, linger_ms = true, post_path = true,
  connect_timeout_ms = true, request_timeout_ms = true, max_attempts = true,
  retry_base_delay_ms = true, retry_max_delay_ms = true, custom_retry_codes = true,
  buffer_capacity = true, buffer_bytes = true, full_policy = true, block_timeout_ms = true,
  store = true, store_sync_interval_ms = true, store_max_events = true, store_max_age_ms = true,
  result_queue_size = true, on_success = true, on_failure = true, on_result = true,
  ca_file = true, ca_path = true, client_cert = true, client_key = true, pinned_public_key = true,
  insecure_skip_tls_verify = true, proxy = true, headers = true, user_agent = true,
  max_inflight = true, redis_url = true, redis_key = true,
}

local full_policies = {
  drop_newest = core.FULL_DROP_NEWEST, drop_oldest = core.FULL_DROP_OLDEST, block = core.FULL_BLOCK,
}

local counters = {
  tracked = core.COUNTER_TRACKED, sent = core.COUNTER_SENT, failed = core.COUNTER_FAILED,
  retried = core.COUNTER_RETRIED, dropped = core.COUNTER_DROPPED, queued = core.COUNTER_QUEUED,
  in_flight = core.COUNTER_IN_FLIGHT, results = core.COUNTER_RESULTS,
  results_dropped = core.COUNTER_RESULTS_DROPPED, stored = core.COUNTER_STORED,
}

--- Results kept for dispatch() at most (more are counted as results_dropped).
snowplow.DEFAULT_RESULT_QUEUE_SIZE = 100000

local function apply_network_options(o, opt, fn)
  local strings = {
    ca_file = core.emitter_options_set_ca_file, ca_path = core.emitter_options_set_ca_path,
    pinned_public_key = core.emitter_options_set_pinned_public_key,
    proxy = core.emitter_options_set_proxy, user_agent = core.emitter_options_set_user_agent,
  }
  for key, setter in pairs(strings) do
    if opt[key] ~= nil then setter(o, check_string(opt[key], fn, key)) end
  end
  if opt.client_cert ~= nil or opt.client_key ~= nil then
    core.emitter_options_set_client_cert(o, check_string(opt.client_cert, fn, "client_cert", true),
      check_string(opt.client_key, fn, "client_key", true))
  end
  local insecure = opt.insecure_skip_tls_verify
  if insecure ~= nil and type(insecure) ~= "boolean" then
    fail(fn .. ": insecure_skip_tls_verify: expected a boolean, got " .. type(insecure))
  end
  if insecure then core.emitter_options_set_insecure_skip_tls_verify(o, 1) end
  if opt.headers ~= nil then
    for name, value in pairs(check_table(opt.headers, fn, "headers")) do
      core.emitter_options_add_header(o, check_string(name, fn, "headers key"),
        check_string(value, fn, "headers[" .. tostring(name) .. "]"))
    end
  end
end

local function apply_emitter_options(o, url, opt, method)
  local fn = "new_emitter"
  core.emitter_options_set_endpoint(o, url)
  if not url:find("://", 1, true) then
    -- The official Lua tracker sends to https:// when the URL has no scheme.
    core.emitter_options_set_protocol(o, check_string(opt.protocol, fn, "protocol", true) or "https")
  end
  if opt.port ~= nil then core.emitter_options_set_port(o, check_integer(opt.port, fn, "port")) end
  core.emitter_options_set_method(o, method == "GET" and core.METHOD_GET or core.METHOD_POST)
  local batch = opt.batch_size or opt.buffer_size
  if batch ~= nil and method == "POST" then
    core.emitter_options_set_batch_size(o, check_integer(batch, fn, "buffer_size"))
  end
  local ints = {
    thread_count = core.emitter_options_set_thread_count, byte_limit = core.emitter_options_set_byte_limit,
    linger_ms = core.emitter_options_set_linger_ms,
    connect_timeout_ms = core.emitter_options_set_connect_timeout_ms,
    request_timeout_ms = core.emitter_options_set_request_timeout_ms,
    max_inflight = core.emitter_options_set_max_inflight,
  }
  for key, setter in pairs(ints) do
    if opt[key] ~= nil then setter(o, check_integer(opt[key], fn, key)) end
  end
  if opt.redis_url ~= nil then
    core.emitter_options_set_redis(o, check_string(opt.redis_url, fn, "redis_url"),
      check_string(opt.redis_key, fn, "redis_key"))
  end
  if opt.post_path ~= nil then core.emitter_options_set_post_path(o, check_string(opt.post_path, fn, "post_path")) end
  if opt.max_attempts ~= nil or opt.retry_base_delay_ms ~= nil or opt.retry_max_delay_ms ~= nil then
    core.emitter_options_set_retry(o,
      check_integer(opt.retry_base_delay_ms or 100, fn, "retry_base_delay_ms"),
      check_integer(opt.retry_max_delay_ms or 60000, fn, "retry_max_delay_ms"),
      check_integer(opt.max_attempts or 0, fn, "max_attempts"))
  end
  if opt.custom_retry_codes ~= nil then
    for status, retry in pairs(check_table(opt.custom_retry_codes, fn, "custom_retry_codes")) do
      core.emitter_options_set_custom_retry_code(o, check_integer(status, fn, "custom_retry_codes"), retry and 1 or 0)
    end
  end
  if opt.buffer_capacity ~= nil or opt.buffer_bytes ~= nil then
    core.emitter_options_set_buffer_capacity(o,
      check_integer(opt.buffer_capacity or 10000, fn, "buffer_capacity"),
      check_integer(opt.buffer_bytes or 0, fn, "buffer_bytes"))
  end
  if opt.full_policy ~= nil then
    local policy = full_policies[opt.full_policy]
    if policy == nil then
      fail(fn .. ": full_policy: expected \"drop_newest\", \"drop_oldest\" or \"block\", got " .. tostring(opt.full_policy))
    end
    core.emitter_options_set_full_policy(o, policy, check_integer(opt.block_timeout_ms or -1, fn, "block_timeout_ms"))
  end
  if opt.store ~= nil then
    core.emitter_options_set_store(o, check_string(opt.store, fn, "store"),
      check_integer(opt.store_sync_interval_ms or 100, fn, "store_sync_interval_ms"),
      check_integer(opt.store_max_events or 0, fn, "store_max_events"),
      check_integer(opt.store_max_age_ms or 0, fn, "store_max_age_ms"))
  end
  apply_network_options(o, opt, fn)
end

--- Create an emitter.
-- @param url the collector: "host", "host:port" or "http(s)://host[:port][/path]"
--   (https when no scheme is given, as in the official Lua tracker)
-- @param options "GET" / "POST" (the official emitter.new(url, request_type)),
--   or a table: method ("POST"), protocol, port, buffer_size (events per POST),
--   thread_count, byte_limit, linger_ms, post_path, connect_timeout_ms,
--   request_timeout_ms, max_attempts, retry_base_delay_ms, retry_max_delay_ms,
--   custom_retry_codes ({[503] = false}), buffer_capacity, buffer_bytes,
--   full_policy ("drop_newest", "drop_oldest", "block"), block_timeout_ms,
--   store (SQLite path), store_sync_interval_ms, store_max_events,
--   store_max_age_ms, result_queue_size, the network keys ca_file, ca_path,
--   client_cert, client_key, pinned_public_key, insecure_skip_tls_verify
--   (true turns TLS verification off), proxy ("" for none; unset: libcurl
--   reads http_proxy, https_proxy, no_proxy), headers ({Name = "value"}),
--   user_agent, max_inflight (requests in flight per sending thread, default 8;
--   events of different requests arrive in any order), redis_url and redis_key
--   (push each event to that Redis list instead of the collector: the url is
--   then unused), and the callbacks
--   on_success(count), on_failure(success_count, failed_events),
--   on_result(result), run by emitter:dispatch().
function snowplow.new_emitter(url, options)
  local fn = "new_emitter"
  check_string(url, fn, "url")
  if type(options) == "string" or options == nil then
    options = { method = options }
  end
  check_table(options, fn, "options")
  for key in pairs(options) do
    if not emitter_keys[key] then fail(fn .. ": options: unknown key " .. tostring(key)) end
  end
  local method = string.upper(check_string(options.method or options.request_type or "POST", fn, "method"))
  if method ~= "GET" and method ~= "POST" then
    fail(fn .. ": method: expected \"GET\" or \"POST\", got " .. method)
  end
  for _, key in ipairs({ "on_success", "on_failure", "on_result" }) do
    if options[key] ~= nil and type(options[key]) ~= "function" and
        not (getmetatable(options[key]) and getmetatable(options[key]).__call) then
      fail(fn .. ": " .. key .. ": expected a function, got " .. type(options[key]))
    end
  end
  local callbacks = options.on_success or options.on_failure or options.on_result
  local o = core.emitter_options_new()
  local ok, err = pcall(function()
    apply_emitter_options(o, url, options, method)
    if callbacks then
      core.emitter_options_set_result_queue(o,
        check_integer(options.result_queue_size or snowplow.DEFAULT_RESULT_QUEUE_SIZE, fn, "result_queue_size"))
      -- Only on_result reads a success's events: without it the sending thread
      -- copies none (on_success gets the count).
      if not options.on_result then core.emitter_options_set_result_queue_sent_events(o, 0) end
    end
  end)
  if not ok then
    core.emitter_options_free(o)
    error(err, 0)
  end
  local native = core.emitter_new(o) -- consumes the options
  local path = method == "GET" and "/i" or (options.post_path or "/com.snowplowanalytics.snowplow/tp2")
  local base = url:find("://", 1, true) and url or ((options.protocol or "https") .. "://" .. url)
  if options.port and not base:match("^%a[%w+.-]*://[^/]*:%d+") then
    base = base:gsub("^(%a[%w+.-]*://[^/]+)", "%1:" .. options.port)
  end
  return setmetatable({
    native = native,
    _guard = core.guard(native, "emitter"),
    request_method = method,
    collector_url = base:gsub("/+$", "") .. path,
    on_success = options.on_success,
    on_failure = options.on_failure,
    on_result = options.on_result,
    callbacks = callbacks and true or false,
  }, Emitter)
end

--- The request method, "GET" or "POST" (official name).
--- Create an emitter that pushes each event onto a Redis list instead of
-- sending it, as the official Python tracker's RedisEmitter does;
-- snowplow-relay moves the list to the collector, at least once
-- (docs/scale-out.md). Each item is one JSON object of the event's payload
-- fields, every value a string.
-- @param redis_url redis://[[user]:password@]host[:port][/db] or
--   unix:///path/to.sock[?db=N][&password=P] (default "redis://127.0.0.1:6379")
-- @param key the list (default "snowplow", the official RedisEmitter's)
-- @param options the keys of new_emitter (batch_size, thread_count, callbacks,
--   store, buffer_capacity, ...); the HTTP-only ones have no effect
function snowplow.new_redis_emitter(redis_url, key, options)
  local fn = "new_redis_emitter"
  redis_url = check_string(redis_url, fn, "redis_url", true) or "redis://127.0.0.1:6379"
  key = check_string(key, fn, "key", true) or "snowplow"
  local opt = {}
  for k, v in pairs(check_table(options, fn, "options", true) or {}) do opt[k] = v end
  opt.redis_url, opt.redis_key = redis_url, key
  -- POST: each event is kept as its JSON object, which is what goes to Redis.
  opt.method = opt.method or "POST"
  local emitter = snowplow.new_emitter("redis", opt)
  emitter.redis_key = key
  return emitter
end

function Emitter:get_request_method()
  return self.request_method
end

--- The URL events are sent to (official name).
function Emitter:get_collector_url()
  return self.collector_url
end

local function report_callback_error(name, err)
  io.stderr:write("snowplow: ", name, " callback failed: ", tostring(err), "\n")
end

local function run_callbacks(self, r)
  if r.sent then
    if self.on_success then
      local ok, err = pcall(self.on_success, r.count)
      if not ok then report_callback_error("on_success", err) end
    end
  elseif self.on_failure then
    local ok, err = pcall(self.on_failure, r.success_count, r.events)
    if not ok then report_callback_error("on_failure", err) end
  end
  if self.on_result then
    local ok, err = pcall(self.on_result, r)
    if not ok then report_callback_error("on_result", err) end
  end
end

--- Run the callbacks of the results waiting now (at most `max`), on the
-- calling thread. Returns how many results were handled. A callback's error
-- is written to stderr and does not stop the others.
-- @param max optional limit
-- @param timeout_ms optional wait for the first result (default 0: none)
function Emitter:dispatch(max, timeout_ms)
  if not self.callbacks then return 0 end
  check_integer(max, "dispatch", "max", true)
  local n = 0
  local wait = check_integer(timeout_ms, "dispatch", "timeout_ms", true) or 0
  while max == nil or n < max do
    -- (a sent result's events are decoded only for on_result)
    local r = core.next_result(self.native, wait, self.on_result ~= nil)
    if r == nil then break end
    wait = 0
    n = n + 1
    run_callbacks(self, r)
  end
  return n
end

--- A file descriptor that is readable while results wait for dispatch()
-- (for poll/select event loops); -1 without callbacks. Do not read or close it.
function Emitter:fd()
  return core.emitter_result_fd(self.native)
end

--- Wait until every event tracked before has had one delivery attempt (sent,
-- or failed and reported; events to be retried stay queued and do not hold
-- it), at most timeout_ms (nil: no limit), then run the waiting callbacks.
-- Returns true when everything was done in time.
function Emitter:flush(timeout_ms)
  local rc = core.emitter_flush(self.native, check_integer(timeout_ms, "flush", "timeout_ms", true) or -1)
  self:dispatch()
  return rc == core.OK or rc == core.ECLOSED
end

--- Ask the sending threads to send now, without waiting.
function Emitter:flush_async()
  if not self.closed then core.emitter_flush_async(self.native) end
end

--- Flush for at most timeout_ms (default 5000), stop the sending threads, and
-- run the callbacks left (unsent events are reported as failures). Idempotent.
function Emitter:close(timeout_ms)
  if self.closed then return end
  self.closed = true
  core.emitter_close(self.native, check_integer(timeout_ms, "close", "timeout_ms", true) or 5000)
  self:dispatch()
end

--- The counters: {tracked=, sent=, failed=, retried=, dropped=, queued=,
-- in_flight=, results=, results_dropped=, stored=}.
function Emitter:counters()
  local t = {}
  for name, c in pairs(counters) do t[name] = core.emitter_counter(self.native, c) end
  return t
end

--- One counter by name.
function Emitter:counter(name)
  local c = counters[name]
  if c == nil then fail("counter: unknown counter " .. tostring(name)) end
  return core.emitter_counter(self.native, c)
end

local function is_emitter(value)
  return type(value) == "table" and getmetatable(value) == Emitter
end

-- ---------------------------------------------------------------------------
-- tracker

local Tracker = {}
Tracker.__index = Tracker

local tracker_keys = { encode_base64 = true, namespace = true, app_id = true, platform = true, subject = true }

local function rebuild(self)
  local o = core.tracker_options_new()
  local ok, err = pcall(function()
    if self.namespace then core.tracker_options_set_namespace(o, self.namespace) end
    if self.app_id then core.tracker_options_set_app_id(o, self.app_id) end
    core.tracker_options_set_platform(o, self.default_platform)
    core.tracker_options_set_encode_base64(o, self.base64 and 1 or 0)
    core.tracker_options_set_tracker_version(o, snowplow.TRACKER_VERSION)
    core.tracker_options_set_subject(o, self.subject.native)
    for _, e in ipairs(self.emitters) do core.tracker_options_add_emitter(o, e.native) end
  end)
  if not ok then
    core.tracker_options_free(o)
    error(err, 0)
  end
  local native = core.tracker_new(o)
  self.native = native
  self._guard = core.guard(native, "tracker") -- the previous one is collected
end

--- Create a tracker.
-- new_tracker(url [, request_type = "POST" [, encode_base64 = true]]) as the
-- official tracker does; or new_tracker(emitter or {emitters...}, options);
-- or new_tracker(url, options) where options holds both emitter options (see
-- new_emitter) and tracker options: encode_base64 (true), namespace, app_id,
-- platform ("pc"), subject (from new_subject()).
function snowplow.new_tracker(target, options, encode_base64)
  local fn = "new_tracker"
  local emitter_options, tracker_options = {}, {}
  if type(options) == "table" then
    for k, v in pairs(options) do
      if tracker_keys[k] then tracker_options[k] = v else emitter_options[k] = v end
    end
  elseif options ~= nil then
    emitter_options.method = check_string(options, fn, "request_type")
  end
  if encode_base64 ~= nil then tracker_options.encode_base64 = encode_base64 end

  local emitters
  if type(target) == "string" then
    emitters = { snowplow.new_emitter(target, emitter_options) }
  elseif is_emitter(target) then
    emitters = { target }
  elseif type(target) == "table" and #target > 0 then
    emitters = target
  else
    fail(fn .. ": expected a collector URL, an emitter or a list of emitters, got " .. type(target))
  end
  for i, e in ipairs(emitters) do
    if not is_emitter(e) then fail(fn .. ": emitters[" .. i .. "]: expected an emitter") end
  end
  if type(target) ~= "string" and next(emitter_options) ~= nil then
    fail(fn .. ": emitter options given with ready-made emitters")
  end
  local base64 = tracker_options.encode_base64
  if base64 == nil then base64 = true end
  if type(base64) ~= "boolean" then fail(fn .. ": encode_base64: expected a boolean") end
  local subject = tracker_options.subject
  if subject ~= nil and getmetatable(subject) ~= Subject then fail(fn .. ": subject: expected a subject") end

  local self = setmetatable({
    emitters = emitters,
    subject = subject or snowplow.new_subject(),
    namespace = check_string(tracker_options.namespace, fn, "namespace", true),
    app_id = check_string(tracker_options.app_id, fn, "app_id", true),
    default_platform = check_string(tracker_options.platform, fn, "platform", true) or "pc",
    base64 = base64,
  }, Tracker)
  rebuild(self)
  return self
end

--- The first emitter, and all of them.
function Tracker:get_emitter() return self.emitters[1] end
function Tracker:get_emitters() return self.emitters end

--- Whether to base64-encode self-describing data and contexts (official).
function Tracker:encode_base64(encode)
  if type(encode) ~= "boolean" then fail("encode_base64: encode: expected a boolean, got " .. type(encode)) end
  self.base64 = encode
  rebuild(self)
end

--- The platform (`p`): web, mob, pc, srv, app, tv, cnsl, iot, headset (official
-- name `platform`; set on the tracker's subject).
function Tracker:platform(value)
  self.subject:set_platform(check_string(value, "platform", "platform"))
end
Tracker.set_platform = Tracker.platform

--- The application id (`aid`).
function Tracker:set_app_id(app_id)
  self.app_id = check_string(app_id, "set_app_id", "app_id", true)
  rebuild(self)
end

--- The tracker namespace (`tna`).
function Tracker:set_namespace(namespace)
  self.namespace = check_string(namespace, "set_namespace", "namespace", true)
  rebuild(self)
end

--- Use another subject for the events tracked from now on.
function Tracker:set_subject(subject)
  if getmetatable(subject) ~= Subject then fail("set_subject: subject: expected a subject") end
  core.tracker_set_subject(self.native, subject.native)
  self.subject = subject
end

for _, method in ipairs({ "set_user_id", "set_screen_resolution", "set_viewport", "set_color_depth",
                          "set_timezone", "set_lang", "set_domain_user_id", "set_network_user_id",
                          "set_domain_session_id", "set_domain_session_index", "set_ip_address",
                          "set_useragent" }) do
  Tracker[method] = function(self, ...)
    Subject[method](self.subject, ...)
  end
end

--- Flush every emitter (see Emitter:flush); true when all were done in time.
function Tracker:flush(timeout_ms)
  local all = true
  for _, e in ipairs(self.emitters) do
    if not e:flush(timeout_ms) then all = false end
  end
  return all
end

--- Run waiting callbacks of every emitter; returns how many.
function Tracker:dispatch(max)
  local n = 0
  for _, e in ipairs(self.emitters) do n = n + e:dispatch(max) end
  return n
end

-- Contexts: a list of snowplow.self_describing_json values or {schema=, data=} tables.
-- `label` names the list in messages ("contexts" unless given); add(ev, sdjson)
-- attaches one entity (the event's own contexts unless given).
local function add_contexts(ev, contexts, fn, label, add)
  if contexts == nil then return end
  label = label or "contexts"
  add = add or core.event_add_context
  check_table(contexts, fn, label)
  for i = 1, #contexts do
    local c = contexts[i]
    if is_sdjson(c) then
      add(ev, c.native)
    elseif type(c) == "table" then
      local name = label .. "[" .. i .. "]"
      local sdj = core.sdjson_new(check_string(c.schema, fn, name .. ".schema"),
        to_json(check_table(c.data, fn, name .. ".data"), fn, name .. ".data"))
      local ok, err = pcall(add, ev, sdj)
      core.sdjson_free(sdj) -- the event keeps its own reference
      if not ok then error(err, 0) end
    else
      fail(fn .. ": " .. label .. "[" .. i .. "]: expected a table, got " .. type(c))
    end
  end
end

local function set_tstamp(ev, tstamp, fn)
  if tstamp == nil then return end
  if type(tstamp) == "number" then
    core.event_set_device_timestamp(ev, floor(tstamp + 0.5))
  elseif type(tstamp) == "table" and (tstamp.type == "ttm" or tstamp.type == "dtm") then
    local ms = floor(check_number(tstamp.value, fn, "tstamp.value") + 0.5)
    if tstamp.type == "ttm" then core.event_set_true_timestamp(ev, ms)
    else core.event_set_device_timestamp(ev, ms) end
  else
    fail(fn .. ": tstamp: expected milliseconds or snowplow.true_timestamp(ms), got " .. type(tstamp))
  end
end

local function finish(self, ev, fn, fill, contexts, tstamp)
  if fill then fill(ev) end
  add_contexts(ev, contexts, fn)
  set_tstamp(ev, tstamp, fn)
  return core.tracker_track(self.native, ev)
end

-- Fill, track and free the event, whatever happens; returns the event id, or
-- nil when an emitter's queue was full (the event is reported to on_failure
-- and counted as dropped: not an error of the caller).
local function emit(self, ev, fn, fill, contexts, tstamp)
  local ok, eid = pcall(finish, self, ev, fn, fill, contexts, tstamp)
  core.event_free(ev)
  if not ok then
    if core.error_last_code() == core.EFULL and eid == core.error_last() then return nil end
    error(eid, 0)
  end
  return eid
end

local function set_strings(ev, fields)
  for field, value in pairs(fields) do
    core.event_set_string(ev, field, value)
  end
end

local function add_strings(ev, field, list)
  if list then
    for i = 1, #list do core.event_add_string(ev, field, list[i]) end
  end
end

-- Each track method returns the event id (a string), or nil when the queue
-- was full, and raises on bad input.

--- Screen view (official): name and/or id.
function Tracker:track_screen_view(name, id, contexts, tstamp)
  local fn = "track_screen_view"
  local ev = core.event_screen_view_new(check_string(name, fn, "name", true), check_string(id, fn, "id", true))
  return emit(self, ev, fn, nil, contexts, tstamp)
end

-- The whole of track_struct_event in one C call (bindings/lua/lua_track_struct.c):
-- same checks, messages and fields as the Lua way below, which it leaves
-- (returning false) contexts, odd timestamps and strings with NUL bytes.
local track_struct = core.track_struct

local function track_struct_lua(self, category, action, label, property, value, contexts, tstamp)
  local fn = "track_struct_event"
  check_number(value, fn, "value", true)
  local ev = core.event_structured_new(check_string(category, fn, "category"), check_string(action, fn, "action"),
    check_string(label, fn, "label", true), check_string(property, fn, "property", true))
  return emit(self, ev, fn, value ~= nil and function(e)
    if math_type and math_type(value) == "integer" then core.event_set_int(e, "value", value)
    else core.event_set_double(e, "value", value) end
  end, contexts, tstamp)
end
Tracker._track_struct_lua = track_struct_lua -- for the specs: the reference

--- Structured event (official).
function Tracker:track_struct_event(category, action, label, property, value, contexts, tstamp)
  local eid = track_struct(self.native, category, action, label, property, value, contexts, tstamp)
  if eid ~= false then return eid end
  return track_struct_lua(self, category, action, label, property, value, contexts, tstamp)
end

-- The whole of track_self_describing_event(schema, data, contexts) in one C
-- call (bindings/lua/lua_track.c): same checks, messages and JSON as below.
-- It returns false, having done nothing, for what it leaves to the Lua way:
-- an sdjson value as schema (or a bad schema), a timestamp, contexts whose
-- reading could run Lua code (metatables).
local track_self_describing = core.track_self_describing_function(json.null, json._array_mt, SelfDescribingJson)

local function track_self_describing_lua(self, schema, data, contexts, tstamp)
  local fn = "track_self_describing_event"
  local ev
  if is_sdjson(schema) then
    ev = core.event_self_describing_new(schema.native)
    return emit(self, ev, fn, nil, data, contexts) -- (sdjson, contexts, tstamp)
  end
  local sdj = core.sdjson_new(check_string(schema, fn, "schema"), to_json(check_table(data, fn, "data"), fn, "data"))
  local ok
  ok, ev = pcall(core.event_self_describing_new, sdj)
  core.sdjson_free(sdj) -- the event keeps its own reference
  if not ok then error(ev, 0) end
  return emit(self, ev, fn, nil, contexts, tstamp)
end

--- Self-describing event (official): a schema URI and a data table, or a
-- value from snowplow.self_describing_json() alone.
function Tracker:track_self_describing_event(schema, data, contexts, tstamp)
  local eid = track_self_describing(self.native, schema, data, contexts, tstamp)
  if eid ~= false then return eid end
  return track_self_describing_lua(self, schema, data, contexts, tstamp)
end
Tracker._track_self_describing_lua = track_self_describing_lua -- for the specs: the reference

--- Page view.
function Tracker:track_page_view(page_url, page_title, referrer, contexts, tstamp)
  local fn = "track_page_view"
  local ev = core.event_page_view_new(check_string(page_url, fn, "page_url"),
    check_string(page_title, fn, "page_title", true), check_string(referrer, fn, "referrer", true))
  return emit(self, ev, fn, nil, contexts, tstamp)
end

--- Page ping, with the scroll offsets seen.
function Tracker:track_page_ping(page_url, page_title, referrer, min_x, max_x, min_y, max_y, contexts, tstamp)
  local fn = "track_page_ping"
  local offsets = { min_x = min_x, max_x = max_x, min_y = min_y, max_y = max_y }
  for k, v in pairs(offsets) do check_integer(v, fn, k, true) end
  local ev = core.event_page_ping_new(check_string(page_url, fn, "page_url"),
    check_string(page_title, fn, "page_title", true), check_string(referrer, fn, "referrer", true))
  return emit(self, ev, fn, function(e)
    for k, v in pairs(offsets) do core.event_set_int(e, k, v) end
  end, contexts, tstamp)
end

--- Ecommerce transaction: transaction {order_id=, total_value=, affiliation=,
-- tax_value=, shipping=, city=, state=, country=, currency=}, items a list of
-- {sku=, price=, quantity=, name=, category=, context=}. One `tr` event and one
-- `ti` event per item, sharing the contexts and timestamps; an item's own
-- `context` (a list like `contexts`) follows them in its `ti` event only.
-- Returns the `tr` id.
function Tracker:track_ecommerce_transaction(transaction, items, contexts, tstamp)
  local fn = "track_ecommerce_transaction"
  check_table(transaction, fn, "transaction")
  check_table(items, fn, "items", true)
  local known = { order_id = 1, total_value = 1, affiliation = 1, tax_value = 1, shipping = 1, city = 1,
                  state = 1, country = 1, currency = 1 }
  for k in pairs(transaction) do
    if not known[k] then fail(fn .. ": transaction: unknown key " .. tostring(k)) end
  end
  for i, item in ipairs(items or {}) do
    check_table(item, fn, "items[" .. i .. "]")
    check_string(item.sku, fn, "items[" .. i .. "].sku")
    check_number(item.price, fn, "items[" .. i .. "].price")
    check_integer(item.quantity, fn, "items[" .. i .. "].quantity")
    check_string(item.name, fn, "items[" .. i .. "].name", true)
    check_string(item.category, fn, "items[" .. i .. "].category", true)
  end
  check_number(transaction.tax_value, fn, "tax_value", true)
  check_number(transaction.shipping, fn, "shipping", true)
  local ev = core.event_ecommerce_transaction_new(check_string(transaction.order_id, fn, "order_id"),
    check_number(transaction.total_value, fn, "total_value"))
  return emit(self, ev, fn, function(e)
    for _, k in ipairs({ "affiliation", "city", "state", "country", "currency" }) do
      if transaction[k] ~= nil then core.event_set_string(e, k, check_string(transaction[k], fn, k)) end
    end
    if transaction.tax_value ~= nil then core.event_set_double(e, "tax_value", transaction.tax_value) end
    if transaction.shipping ~= nil then core.event_set_double(e, "shipping", transaction.shipping) end
    for i, item in ipairs(items or {}) do
      core.event_add_item(e, item.sku, item.price, item.quantity, item.name, item.category)
      add_contexts(e, item.context, fn, "items[" .. i .. "].context", function(ev, sdj)
        core.event_add_item_context(ev, i - 1, sdj)
      end)
    end
  end, contexts, tstamp)
end

--- Link click.
function Tracker:track_link_click(target_url, element_id, element_classes, element_target, element_content,
                                  contexts, tstamp)
  local fn = "track_link_click"
  check_strings(element_classes, fn, "element_classes", true)
  local ev = core.event_link_click_new(check_string(target_url, fn, "target_url"))
  return emit(self, ev, fn, function(e)
    set_strings(e, { element_id = check_string(element_id, fn, "element_id", true),
                     element_target = check_string(element_target, fn, "element_target", true),
                     element_content = check_string(element_content, fn, "element_content", true) })
    add_strings(e, "element_classes", element_classes)
  end, contexts, tstamp)
end

local function cart(self, fn, constructor, sku, quantity, name, category, unit_price, currency, contexts, tstamp)
  check_number(unit_price, fn, "unit_price", true)
  local ev = constructor(check_string(sku, fn, "sku"), check_number(quantity, fn, "quantity"))
  return emit(self, ev, fn, function(e)
    set_strings(e, { name = check_string(name, fn, "name", true),
                     category = check_string(category, fn, "category", true),
                     currency = check_string(currency, fn, "currency", true) })
    if unit_price ~= nil then core.event_set_double(e, "unit_price", unit_price) end
  end, contexts, tstamp)
end

--- Add to cart.
function Tracker:track_add_to_cart(sku, quantity, name, category, unit_price, currency, contexts, tstamp)
  return cart(self, "track_add_to_cart", core.event_add_to_cart_new, sku, quantity, name, category, unit_price,
    currency, contexts, tstamp)
end

--- Remove from cart.
function Tracker:track_remove_from_cart(sku, quantity, name, category, unit_price, currency, contexts, tstamp)
  return cart(self, "track_remove_from_cart", core.event_remove_from_cart_new, sku, quantity, name, category,
    unit_price, currency, contexts, tstamp)
end

--- Form change; node_name is "INPUT", "TEXTAREA" or "SELECT"; value nil or
-- snowplow.null is sent as JSON null.
function Tracker:track_form_change(form_id, element_id, node_name, value, type_, element_classes, contexts, tstamp)
  local fn = "track_form_change"
  if value == json.null then value = nil end
  check_strings(element_classes, fn, "element_classes", true)
  local ev = core.event_form_change_new(check_string(form_id, fn, "form_id"), check_string(element_id, fn, "element_id"),
    check_string(node_name, fn, "node_name"), check_string(value, fn, "value", true))
  return emit(self, ev, fn, function(e)
    set_strings(e, { type = check_string(type_, fn, "type", true) })
    add_strings(e, "element_classes", element_classes)
  end, contexts, tstamp)
end

--- Form submit; elements a list of {name=, value=, nodeName=, type=}.
function Tracker:track_form_submit(form_id, form_classes, elements, contexts, tstamp)
  local fn = "track_form_submit"
  check_strings(form_classes, fn, "form_classes", true)
  local elements_json = elements ~= nil and to_json(json.array(check_table(elements, fn, "elements")), fn, "elements")
  local ev = core.event_form_submit_new(check_string(form_id, fn, "form_id"))
  return emit(self, ev, fn, function(e)
    add_strings(e, "form_classes", form_classes)
    if elements_json then core.event_set_json(e, "elements", elements_json) end
  end, contexts, tstamp)
end

--- Site search; terms a list of strings, filters a table of string or boolean values.
function Tracker:track_site_search(terms, filters, total_results, page_results, contexts, tstamp)
  local fn = "track_site_search"
  check_strings(terms, fn, "terms")
  check_integer(total_results, fn, "total_results", true)
  check_integer(page_results, fn, "page_results", true)
  local filters_json = filters ~= nil and to_json(check_table(filters, fn, "filters"), fn, "filters")
  local ev = core.event_site_search_new(terms)
  return emit(self, ev, fn, function(e)
    if filters_json then core.event_set_json(e, "filters", filters_json) end
    if total_results ~= nil then core.event_set_int(e, "total_results", total_results) end
    if page_results ~= nil then core.event_set_int(e, "page_results", page_results) end
  end, contexts, tstamp)
end

--- User timing (usually milliseconds).
function Tracker:track_timing(category, variable, timing, label, contexts, tstamp)
  local fn = "track_timing"
  local ev = core.event_timing_new(check_string(category, fn, "category"), check_string(variable, fn, "variable"),
    check_number(timing, fn, "timing"))
  return emit(self, ev, fn, function(e)
    set_strings(e, { label = check_string(label, fn, "label", true) })
  end, contexts, tstamp)
end

--- Mobile screen view (schema mobile/screen_view/1-0-0); id a UUID, made up when nil.
function Tracker:track_mobile_screen_view(name, id, type_, previous_name, previous_id, previous_type,
                                          transition_type, contexts, tstamp)
  local fn = "track_mobile_screen_view"
  local ev = core.event_mobile_screen_view_new(check_string(name, fn, "name"), check_string(id, fn, "id", true))
  return emit(self, ev, fn, function(e)
    set_strings(e, { type = check_string(type_, fn, "type", true),
                     previous_name = check_string(previous_name, fn, "previous_name", true),
                     previous_id = check_string(previous_id, fn, "previous_id", true),
                     previous_type = check_string(previous_type, fn, "previous_type", true),
                     transition_type = check_string(transition_type, fn, "transition_type", true) })
  end, contexts, tstamp)
end

snowplow.Tracker = Tracker
snowplow.Emitter = Emitter
snowplow.Subject = Subject

-- The 0.1 generation's camelCase API (newTrackerForUri, t:trackStructEvent, ...).
require("snowplow.tracker01")(snowplow)

return snowplow
