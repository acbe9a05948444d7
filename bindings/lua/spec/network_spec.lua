-- The network keys end to end: a TLS front for the local collector with a CA
-- made for the test, one asking for a client certificate, and an HTTP proxy
-- (tests/support/net_fixture.py, run in the background like the collector);
-- headers and the User-Agent as the collector receives them.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local dkjson = require("dkjson")
local snowplow = require("snowplow")

local function start_fixture(collector)
  local root = debug.getinfo(1, "S").source:gsub("^@", ""):gsub("/bindings/lua/spec/network_spec%.lua$", "")
  if root:sub(1, 1) ~= "/" then root = os.getenv("PWD") .. "/../.." end
  local python = os.getenv("SNOWPLOW_PYTHON") or "/usr/bin/python3"
  local dir = collector.dir .. "/net"
  os.execute("mkdir -p '" .. dir .. "'")
  local cmd = string.format("env -u LD_PRELOAD '%s' '%s/tests/support/net_fixture.py' "
    .. "--upstream %d --dir '%s' --ready '%s/ready.json' >/dev/null 2>&1 & echo $! > '%s/pid'",
    python, root, collector.port, dir, dir, dir)
  os.execute(cmd)
  for _ = 1, 1200 do
    local f = io.open(dir .. "/ready.json")
    if f then
      local info = dkjson.decode(f:read("*a"))
      f:close()
      local p = io.open(dir .. "/pid")
      info.pid = tonumber(p:read("*a"))
      p:close()
      return info
    end
    support.sleep(0.05)
  end
  error("net_fixture.py did not start")
end

describe("network options", function()
  local collector, net

  setup(function()
    collector = support.start()
    net = start_fixture(collector)
  end)
  teardown(function()
    if net then os.execute("kill " .. net.pid) end
    collector:stop()
  end)
  before_each(function() collector:reset() end)

  -- One event with `options`, one attempt; returns sent, failed.
  local function send_one(url, options)
    options.max_attempts = 1
    local e = snowplow.new_emitter(url, options)
    local t = snowplow.new_tracker(e)
    t:track_struct_event("net", "one")
    e:flush(60000)
    e:close(10000)
    return e:counter("sent"), e:counter("failed")
  end

  it("sends the headers and the User-Agent", function()
    local sent = send_one(collector:url(), { headers = { Authorization = "Bearer t0k3n" }, user_agent = "my-app/2.1" })
    assert.are.equal(1, sent)
    local h = collector:requests()[1].headers
    assert.are.equal("Bearer t0k3n", h.authorization)
    assert.are.equal("my-app/2.1", h["user-agent"])
  end)

  it("verifies TLS, trusts the CA given, sends a client certificate", function()
    local url = "https://127.0.0.1:" .. net.tls_port
    assert.are.same({ 0, 1 }, { send_one(url, {}) })
    assert.are.same({ 1, 0 }, { send_one(url, { ca_file = net.ca_file, pinned_public_key = net.pin }) })
    local mtls = "https://127.0.0.1:" .. net.mtls_port
    assert.are.same({ 0, 1 }, { send_one(mtls, { ca_path = net.ca_path }) })
    assert.are.same({ 1, 0 }, { send_one(mtls, { ca_path = net.ca_path, client_cert = net.client_cert,
      client_key = net.client_key }) })
    assert.are.same({ 1, 0 }, { send_one(url, { insecure_skip_tls_verify = true }) })
  end)

  it("goes through the proxy", function()
    assert.are.equal(1, (send_one(collector:url(), { proxy = "http://127.0.0.1:" .. net.proxy_port })))
    assert.are.equal("1", collector:requests()[1].headers["x-test-proxy"])
  end)

  it("names a bad value", function()
    assert.has_error(function() snowplow.new_emitter(collector:url(), { insecure_skip_tls_verify = "yes" }) end,
      "new_emitter: insecure_skip_tls_verify: expected a boolean, got string")
    local ok, err = pcall(snowplow.new_emitter, collector:url(), { ca_file = "/nonexistent.pem" })
    assert.is_false(ok)
    assert.truthy(tostring(err):find("set_ca_file: path: cannot read", 1, true))
  end)
end)
