# frozen_string_literal: true

# The network keys end to end: a TLS front for the local collector with a CA
# made for the test, one asking for a client certificate, and an HTTP proxy
# (tests/support/net_fixture.py); headers and the User-Agent as received.
require "minitest/autorun"
require "snowplow"
require "collector_helper"

class TestNetwork < Minitest::Test
  def collector = CollectorHelper.collector

  def self.net
    @net ||= begin
      dir = Dir.mktmpdir("snowplow-rb-net")
      ready = File.join(dir, "ready.json")
      python = ENV.fetch("SNOWPLOW_PYTHON", "/usr/bin/python3")
      script = File.join(CollectorHelper::ROOT, "tests", "support", "net_fixture.py")
      pid = Process.spawn({ "LD_PRELOAD" => nil }, python, script, "--upstream",
                          CollectorHelper.collector.port.to_s, "--dir", dir, "--ready", ready)
      deadline = Time.now + 60
      until File.exist?(ready)
        raise "net_fixture.py exited" if Process.waitpid(pid, Process::WNOHANG)
        raise "net_fixture.py did not start" if Time.now > deadline

        sleep 0.05
      end
      Minitest.after_run do
        Process.kill("TERM", pid)
        Process.wait(pid)
        FileUtils.remove_entry(dir)
      end
      JSON.parse(File.read(ready))
    end
  end

  def net = self.class.net

  # Tracks one event with `config`; the emitter's [sent, failed] counts after
  # one attempt (no retries) and close.
  def send_one(endpoint, config)
    emitter = Snowplow::Emitter.new(endpoint, { method: "post", max_attempts: 1 }.merge(config))
    Snowplow::Tracker.new(emitter).track_struct_event("net", "one")
    emitter.flush(false, timeout: 60)
    emitter.close(10)
    emitter.counters.values_at(:sent, :failed)
  end

  def test_headers_and_user_agent_arrive
    collector.reset
    assert_equal [1, 0], send_one(collector.endpoint, headers: { "Authorization" => "Bearer t0k3n" },
                                                      user_agent: "my-app/2.1")
    headers = collector.requests.first["headers"]
    assert_equal "Bearer t0k3n", headers["authorization"]
    assert_equal "my-app/2.1", headers["user-agent"]
  end

  def test_tls_needs_the_ca_and_client_certificate
    collector.reset
    url = "https://127.0.0.1:#{net['tls_port']}"
    assert_equal [0, 1], send_one(url, {})
    assert_equal [1, 0], send_one(url, ca_file: net["ca_file"], pinned_public_key: net["pin"])
    mtls = "https://127.0.0.1:#{net['mtls_port']}"
    assert_equal [0, 1], send_one(mtls, ca_path: net["ca_path"])
    assert_equal [1, 0], send_one(mtls, ca_path: net["ca_path"], client_cert: net["client_cert"],
                                        client_key: net["client_key"])
    assert_equal [1, 0], send_one(url, insecure_skip_tls_verify: true)
    assert_equal 3, collector.wait_for_total(3)["good"]
  end

  def test_proxy_sees_the_requests
    collector.reset
    assert_equal [1, 0], send_one(collector.endpoint, proxy: "http://127.0.0.1:#{net['proxy_port']}")
    assert_equal "1", collector.requests.first["headers"]["x-test-proxy"]
  end

  def test_bad_values_name_the_key
    assert_raises(ArgumentError) { Snowplow::Emitter.new(collector.endpoint, insecure_skip_tls_verify: "yes") }
    assert_raises(ArgumentError) { Snowplow::Emitter.new(collector.endpoint, headers: [%w[a b]]) }
    error = assert_raises(StandardError) { Snowplow::Emitter.new(collector.endpoint, ca_file: "/nonexistent.pem") }
    assert_match(/set_ca_file: path: cannot read/, error.message)
  end
end
