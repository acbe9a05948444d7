# frozen_string_literal: true

# A program that exits with events still queued: at_exit sends them (within
# Snowplow.close_timeout), reports what it could not send through
# on_failure, and never hangs, even with a callback that does not return.
require "minitest/autorun"
require "open3"
require "rbconfig"
require "timeout"
require "collector_helper"

class TestExit < Minitest::Test
  def collector = CollectorHelper.collector

  # Runs `script` in a child Ruby (same RUBYLIB); returns [stdout, status].
  # The timeout only guards against a hang; nothing here measures speed.
  def run_child(script, *args)
    out = err = status = nil
    Timeout.timeout(120) do
      out, err, status = Open3.capture3(RbConfig.ruby, "-e", script, *args.map(&:to_s))
    end
    assert status.success?, "child failed: #{err}"
    [out, err]
  end

  def test_pending_events_are_sent_at_exit
    collector.reset
    script = <<~RUBY
      require "snowplow"
      emitter = Snowplow::AsyncEmitter.new(ARGV[0], method: "post", buffer_size: 50)
      tracker = Snowplow::Tracker.new(emitter)
      Integer(ARGV[1]).times { |i| tracker.track_struct_event("exit", "n", i.to_s) }
      # no flush, no close: at_exit does it
    RUBY
    run_child(script, collector.endpoint, 300)
    assert_equal({ "total" => 300, "good" => 300, "bad" => 0 }, collector.counts)
  end

  def test_unsendable_events_are_reported_at_exit
    script = <<~RUBY
      failed = []
      at_exit { puts "failed=\#{failed.size} unique=\#{failed.map { |e| e["eid"] }.uniq.size}" }
      require "snowplow"  # its at_exit runs before the one above
      Snowplow.close_timeout = 0.5
      emitter = Snowplow::Emitter.new("127.0.0.1:\#{ARGV[0]}", method: "post", connect_timeout_ms: 200,
                                      retry_base_delay_ms: 50,
                                      on_failure: ->(_ok, events) { failed.concat(events) })
      tracker = Snowplow::Tracker.new(emitter)
      20.times { tracker.track_page_view("https://example.com/") }
    RUBY
    out, = run_child(script, CollectorHelper.dead_port)
    assert_match(/failed=\d+ unique=20$/, out)
  end

  def test_exit_with_a_callback_that_never_returns
    collector.reset
    script = <<~RUBY
      require "snowplow"
      Snowplow.close_timeout = 1
      emitter = Snowplow::Emitter.new(ARGV[0], method: "get", on_success: ->(_n) { sleep 1000 })
      tracker = Snowplow::Tracker.new(emitter)
      3.times { tracker.track_page_view("https://example.com/") }
      sleep 0.2
      puts "exiting"
    RUBY
    out, = run_child(script, collector.endpoint)
    assert_equal "exiting\n", out
    assert_equal 3, collector.counts["good"]
  end

  def test_explicit_close_then_exit
    collector.reset
    script = <<~RUBY
      require "snowplow"
      emitter = Snowplow::Emitter.new(ARGV[0], method: "post", on_success: ->(n) { puts "sent \#{n}" })
      tracker = Snowplow::Tracker.new(emitter)
      tracker.track_screen_view("Main")
      emitter.close
      puts "closed \#{emitter.closed?}"
    RUBY
    out, = run_child(script, collector.endpoint)
    assert_equal "sent 1\nclosed true\n", out
  end

  # The issue's case: a script whose last call is a blocking tracker.flush,
  # with nothing listening, returns from it after one attempt and exits
  # (run_child's timeout only guards against a hang).
  def test_script_ending_in_flush_exits_with_collector_down
    script = <<~RUBY
      require "snowplow"
      tracker = Snowplow::Tracker.new(Snowplow::Emitter.new("127.0.0.1:\#{ARGV[0]}", method: "post"))
      tracker.track_struct_event("exit", "flush")
      tracker.flush
      puts "flushed"
    RUBY
    out, = run_child(script, CollectorHelper.dead_port)
    assert_equal "flushed", out.strip
  end
end
