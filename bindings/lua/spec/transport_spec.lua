-- The transport keys of new_emitter: max_inflight (GET requests in flight per
-- sending thread) and redis_url/redis_key (each event pushed to a Redis list
-- of a redis-server this spec starts through the shell).
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local dkjson = require("dkjson")
local snowplow = require("snowplow")

local function run(cmd)
  local r = os.execute(cmd)
  return r == true or r == 0
end

local function capture(cmd)
  local p = io.popen(cmd)
  local out = p:read("*a")
  p:close()
  return out
end

describe("transport", function()
  local collector

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)

  it("delivers each event once with 16 GET requests in flight", function()
    collector:reset()
    local emitter = snowplow.new_emitter("http://" .. collector:endpoint(),
      { method = "GET", thread_count = 2, max_inflight = 16 })
    local tracker = snowplow.new_tracker(emitter)
    for i = 1, 100 do tracker:track_struct_event("inflight", "n", tostring(i)) end
    assert.is_true(tracker:flush(60000))
    assert.are.equal(100, emitter:counter("sent"))
    local labels = {}
    for _, r in ipairs(collector:good()) do labels[#labels + 1] = tonumber(r.raw.se_la) end
    table.sort(labels)
    assert.are.equal(100, #labels)
    for i = 1, 100 do assert.are.equal(i, labels[i]) end
    emitter:close()
  end)

  it("refuses max_inflight 0 with a message naming it", function()
    local ok, err = pcall(snowplow.new_emitter, "http://" .. collector:endpoint(), { max_inflight = 0 })
    assert.is_false(ok)
    assert.is_truthy(tostring(err):find("max_inflight", 1, true))
  end)

  it("pushes each event to a Redis list as a JSON object of strings", function()
    local port = support.dead_port()
    local dir = os.tmpname()
    os.remove(dir)
    assert(run("mkdir -p " .. dir))
    assert(run(string.format("env -u LD_PRELOAD /usr/bin/redis-server --port %d --bind 127.0.0.1 "
      .. "--save '' --appendonly no --dir %s --daemonize yes --pidfile %s/pid >/dev/null", port, dir, dir)))
    local cli = string.format("env -u LD_PRELOAD /usr/bin/redis-cli -p %d ", port)
    for _ = 1, 600 do
      if capture(cli .. "PING 2>/dev/null"):match("PONG") then break end
      support.sleep(0.05)
    end
    local labels = {}
    -- The server is stopped whatever happens to the checks.
    local ok, err = pcall(function()
      local emitter = snowplow.new_emitter("unused",
        { redis_url = "redis://127.0.0.1:" .. port, redis_key = "events" })
      local tracker = snowplow.new_tracker(emitter)
      for i = 1, 20 do tracker:track_struct_event("redis", "push", tostring(i)) end
      assert.is_true(tracker:flush(60000))
      assert.are.equal(20, emitter:counter("sent"))
      emitter:close()
      for line in capture(cli .. "LRANGE events 0 -1"):gmatch("[^\n]+") do
        local item = dkjson.decode(line)
        for _, v in pairs(item) do assert.are.equal("string", type(v)) end
        labels[#labels + 1] = tonumber(item.se_la)
      end
    end)
    run(cli .. "SHUTDOWN NOSAVE >/dev/null 2>&1")
    run("rm -rf " .. dir)
    if not ok then error(err, 0) end
    table.sort(labels)
    assert.are.equal(20, #labels)
    for i = 1, 20 do assert.are.equal(i, labels[i]) end
  end)
end)
