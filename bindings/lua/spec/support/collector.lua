--- Starts the local collector (tools/collector/snowplow_collector.py) on a
-- free port and reads back what it received, for the busted specs.
--
-- Lua has no sockets here: the collector runs in the background through the
-- shell, and its inspection API is read through python3. JSON answers are
-- decoded with dkjson (a dependency of lua-busted).
--
-- Environment (set by CTest; defaults work from the source tree):
--   SNOWPLOW_PYTHON     interpreter with python3-jsonschema (default /usr/bin/python3)
--   SNOWPLOW_COLLECTOR  path of snowplow_collector.py
local dkjson = require("dkjson")

local M = {}

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function read_file(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("*a")
  f:close()
  return text
end

-- os.execute returns 0 on Lua 5.1 and true on 5.2+ for success.
local function run(cmd)
  local r = os.execute(cmd)
  return r == true or r == 0
end

local function sleep(seconds)
  os.execute("sleep " .. seconds)
end
M.sleep = sleep

local function source_root()
  local here = debug.getinfo(1, "S").source:gsub("^@", "")
  if here:sub(1, 1) ~= "/" then here = os.getenv("PWD") .. "/" .. here:gsub("^%./", "") end
  return (here:gsub("/bindings/lua/spec/support/collector%.lua$", ""))
end

local Collector = {}
Collector.__index = Collector

--- Start a collector; returns an object with :url(), :endpoint(), :good(), ...
function M.start()
  local python = os.getenv("SNOWPLOW_PYTHON") or "/usr/bin/python3"
  local script = os.getenv("SNOWPLOW_COLLECTOR")
    or (source_root() .. "/tools/collector/snowplow_collector.py")
  local dir = os.tmpname()
  os.remove(dir)
  assert(run("mkdir -p " .. shell_quote(dir)))
  local port_file = dir .. "/port"
  local pid_file = dir .. "/pid"
  -- Helper processes never get a preloaded sanitizer runtime meant for Lua.
  local cmd = string.format("env -u LD_PRELOAD %s %s --port 0 --port-file %s --quiet >/dev/null 2>%s & echo $! > %s",
    shell_quote(python), shell_quote(script), shell_quote(port_file),
    shell_quote(dir .. "/stderr"), shell_quote(pid_file))
  assert(run(cmd), cmd)
  local port
  for _ = 1, 600 do -- 30 s
    local text = read_file(port_file)
    port = text and tonumber(text:match("%d+"))
    if port then break end
    sleep(0.05)
  end
  local self = setmetatable({ dir = dir, pid = tonumber(read_file(pid_file)), port = port }, Collector)
  if not port then
    self:stop()
    error("collector did not start: " .. (read_file(dir .. "/stderr") or ""))
  end
  return self
end

--- "127.0.0.1:PORT", the endpoint form the emitter takes.
function Collector:endpoint()
  return "127.0.0.1:" .. self.port
end

function Collector:url(path)
  return "http://127.0.0.1:" .. self.port .. (path or "")
end

-- HTTP through Debian's python3 (which the collector needs anyway).
local HTTP = [[
import sys, urllib.request
url, body = sys.argv[1], (sys.argv[2].encode() if len(sys.argv) > 2 else None)
req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
sys.stdout.write(urllib.request.urlopen(req, timeout=30).read().decode())
]]

local function http(url, body)
  local python = os.getenv("SNOWPLOW_PYTHON") or "/usr/bin/python3"
  local cmd = "env -u LD_PRELOAD " .. shell_quote(python) .. " -c " .. shell_quote(HTTP) .. " " .. shell_quote(url)
  if body then cmd = cmd .. " " .. shell_quote(body) end
  local p = assert(io.popen(cmd))
  local text = p:read("*a")
  p:close()
  return text
end

--- JSON null in decoded answers (dkjson gives nil otherwise).
M.null = setmetatable({}, { __tostring = function() return "null" end })

local function decode(body, what)
  local value, _, err = dkjson.decode(body, 1, M.null)
  if err or value == nil then
    error(what .. ": not JSON: " .. tostring(err) .. ": " .. body:sub(1, 200))
  end
  return value
end

function Collector:get(path)
  return decode(http(self:url(path)), path)
end

function Collector:post(path, body)
  -- (a string is sent as it is: dkjson writes an empty table as [])
  return decode(http(self:url(path), type(body) == "string" and body or dkjson.encode(body)), path)
end

function Collector:reset() return self:get("/micro/reset") end
function Collector:counts() return self:get("/micro/all") end
function Collector:good(query) return self:get("/micro/good" .. (query or "")) end
function Collector:bad(query) return self:get("/micro/bad" .. (query or "")) end
function Collector:requests() return self:get("/micro/requests") end
function Collector:fault(settings) return self:post("/micro/fault", settings) end
function Collector:clear_fault() return self:post("/micro/fault", "{}") end

function Collector:stop()
  if self.pid then
    run("kill " .. self.pid .. " 2>/dev/null")
    for _ = 1, 100 do
      if not run("kill -0 " .. self.pid .. " 2>/dev/null") then break end
      sleep(0.05)
    end
    self.pid = nil
  end
  if self.dir then
    run("rm -rf " .. shell_quote(self.dir))
    self.dir = nil
  end
end

--- A port on 127.0.0.1 where nothing listens.
function M.dead_port()
  -- Ask the kernel for a free port, then let it go.
  local p = assert(io.popen("env -u LD_PRELOAD /usr/bin/python3 -c 'import socket; s=socket.socket(); "
    .. "s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1]); s.close()'"))
  local port = tonumber(p:read("*a"))
  p:close()
  return port
end

--- Start a redis-server of the spec's own on a free loopback port; returns an
-- object with .port, :cli(args) (redis-cli's output) and :stop().
function M.start_redis()
  local port = M.dead_port()
  local dir = os.tmpname()
  os.remove(dir)
  assert(run("mkdir -p " .. shell_quote(dir)))
  assert(run(string.format("env -u LD_PRELOAD /usr/bin/redis-server --port %d --bind 127.0.0.1 "
    .. "--save '' --appendonly no --dir %s --daemonize yes --pidfile %s/pid >/dev/null",
    port, shell_quote(dir), shell_quote(dir))))
  local redis = { port = port, dir = dir }
  function redis:cli(args)
    local p = assert(io.popen(string.format("env -u LD_PRELOAD /usr/bin/redis-cli -p %d %s 2>/dev/null",
      self.port, args)))
    local out = p:read("*a")
    p:close()
    return out
  end
  function redis:stop()
    self:cli("SHUTDOWN NOSAVE")
    run("rm -rf " .. shell_quote(self.dir))
  end
  for _ = 1, 600 do
    if redis:cli("PING"):match("PONG") then return redis end
    sleep(0.05)
  end
  redis:stop()
  error("redis-server did not start on port " .. port)
end

--- snowplow-relay of this build (SNOWPLOW_BUILD_DIR, set by CTest), or nil.
function M.relay_binary()
  local path = (os.getenv("SNOWPLOW_BUILD_DIR") or "build") .. "/tools/relay/snowplow-relay"
  return run("test -x " .. shell_quote(path)) and path or nil
end

--- Run the relay until the list `key` is drained; returns success and its stderr.
function M.run_relay(redis, key, collector_url)
  local err = os.tmpname()
  local ok = run(string.format("env -u LD_PRELOAD %s --redis redis://127.0.0.1:%d --key %s "
    .. "--collector %s --once --id lua-test 2>%s", shell_quote(M.relay_binary()), redis.port,
    shell_quote(key), shell_quote(collector_url), shell_quote(err)))
  local text = read_file(err) or ""
  os.remove(err)
  return ok, text
end

return M
