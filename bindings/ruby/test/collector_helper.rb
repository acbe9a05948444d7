# Starts the local collector (tools/collector/snowplow_collector.py) on a free
# port for a test file and reads back what it received.
#
# Environment (set by CTest, defaults for running by hand from the source tree):
#   SNOWPLOW_PYTHON     interpreter with python3-jsonschema (default /usr/bin/python3)
#   SNOWPLOW_COLLECTOR  path of snowplow_collector.py
require "json"
require "net/http"
require "tmpdir"
require "timeout"
require "fileutils"

module CollectorHelper
  ROOT = File.expand_path("../../..", __dir__)

  class Collector
    attr_reader :port

    def initialize
      python = ENV.fetch("SNOWPLOW_PYTHON", "/usr/bin/python3")
      script = ENV.fetch("SNOWPLOW_COLLECTOR",
                         File.join(ROOT, "tools", "collector", "snowplow_collector.py"))
      @dir = Dir.mktmpdir("snowplow-rb-collector")
      port_file = File.join(@dir, "port")
      # The collector never gets a sanitizer runtime preloaded for Ruby.
      @pid = Process.spawn({ "LD_PRELOAD" => nil }, python, script, "--port", "0", "--port-file", port_file, "--quiet",
                           out: File::NULL, err: File.join(@dir, "stderr"))
      deadline = Time.now + 30
      until File.exist?(port_file) && !(text = File.read(port_file).strip).empty?
        if Process.waitpid(@pid, Process::WNOHANG)
          raise "collector exited: #{File.read(File.join(@dir, 'stderr'))}"
        end
        raise "collector did not start within 30 s" if Time.now > deadline
        sleep 0.02
      end
      @port = Integer(text)
      @http = Net::HTTP.new("127.0.0.1", @port)
      @http.start
    end

    # "127.0.0.1:PORT", the form Snowplow::Emitter.new takes.
    def endpoint
      "127.0.0.1:#{@port}"
    end

    def get(path)
      response = @http.get(path)
      raise "collector #{path}: HTTP #{response.code}" unless response.code == "200"
      JSON.parse(response.body)
    end

    def post(path, body)
      response = @http.post(path, JSON.generate(body), "Content-Type" => "application/json")
      raise "collector #{path}: HTTP #{response.code} #{response.body}" unless response.code == "200"
      JSON.parse(response.body)
    end

    def reset = get("/micro/reset")
    def counts = get("/micro/all")
    def good(query = "") = get("/micro/good#{query}")
    def bad(query = "") = get("/micro/bad#{query}")
    def requests = get("/micro/requests")
    def fault(settings) = post("/micro/fault", settings)
    def clear_fault = post("/micro/fault", {})

    # Waits (bounded) until the collector holds at least `n` events in total.
    def wait_for_total(n, limit: 30)
      deadline = Time.now + limit
      loop do
        all = counts
        return all if all["total"] >= n
        raise "collector holds #{all['total']} events, expected #{n}" if Time.now > deadline
        sleep 0.02
      end
    end

    def stop
      @http&.finish rescue nil
      if @pid
        Process.kill("TERM", @pid) rescue nil
        begin
          Timeout.timeout(10) { Process.wait(@pid) }
        rescue Timeout::Error
          Process.kill("KILL", @pid) rescue nil
          Process.wait(@pid) rescue nil
        end
        @pid = nil
      end
      FileUtils.remove_entry(@dir) if @dir && File.directory?(@dir)
    end
  end

  # One collector per test file, stopped at exit.
  def self.collector
    @collector ||= begin
      c = Collector.new
      Minitest.after_run { c.stop } if defined?(Minitest)
      c
    end
  end

  # A port on 127.0.0.1 where nothing listens (bound, then closed at once).
  def self.dead_port
    require "socket"
    server = TCPServer.new("127.0.0.1", 0)
    port = server.addr[1]
    server.close
    port
  end
end
