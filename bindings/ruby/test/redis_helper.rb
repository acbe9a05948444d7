# A redis-server of the test's own on a free loopback port, and redis-cli.
require "open3"
require "socket"
require "tmpdir"
require "fileutils"

module RedisHelper
  # Runs the block with the port of a fresh redis-server, stopped afterwards.
  def with_redis
    dir = Dir.mktmpdir("snowplow-rb-redis")
    port = TCPServer.open("127.0.0.1", 0) { |s| s.addr[1] }
    pid = Process.spawn({ "LD_PRELOAD" => nil }, "/usr/bin/redis-server", "--port", port.to_s,
                        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir,
                        out: File::NULL)
    deadline = Time.now + 30
    until redis_cli(port, "PING").strip == "PONG"
      raise "redis-server did not start" if Time.now > deadline

      sleep 0.02
    end
    yield port
  ensure
    Process.kill("TERM", pid) rescue nil
    Process.wait(pid) rescue nil
    FileUtils.rm_rf(dir)
  end

  def redis_cli(port, *args)
    out, = Open3.capture2({ "LD_PRELOAD" => nil }, "/usr/bin/redis-cli", "-p", port.to_s, *args)
    out
  end

  # snowplow-relay of this build (SNOWPLOW_BUILD_DIR, set by CTest), or nil.
  def relay_binary
    path = File.join(ENV.fetch("SNOWPLOW_BUILD_DIR", "build"), "tools", "relay", "snowplow-relay")
    File.executable?(path) ? path : nil
  end

  # Run the relay until the list is drained; [exit status, stderr].
  def run_relay(port, key, collector_url)
    _, err, status = Open3.capture3({ "LD_PRELOAD" => nil }, relay_binary, "--redis",
                                    "redis://127.0.0.1:#{port}", "--key", key,
                                    "--collector", collector_url, "--once", "--id", "ruby-test")
    [status.exitstatus, err]
  end
end
