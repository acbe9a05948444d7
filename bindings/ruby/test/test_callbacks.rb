# frozen_string_literal: true

# on_success / on_failure / on_result, as the 0.6.1 gem calls them, run by the
# emitter's dispatcher thread: counts, failed events, failure kinds (dead
# port, 500, 400), flush from inside a callback, a callback that raises.
require "minitest/autorun"
require "snowplow"
require "collector_helper"

class TestCallbacks < Minitest::Test
  ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"

  def collector = CollectorHelper.collector

  def setup
    collector.reset
    @lock = Mutex.new
    @successes = []
    @failure_calls = []
    @results = []
    @threads = []
  end

  def callbacks
    {
      on_success: lambda { |count|
        @lock.synchronize { @successes << count; @threads << Thread.current }
      },
      on_failure: lambda { |success_count, failed|
        @lock.synchronize { @failure_calls << [success_count, failed]; @threads << Thread.current }
      },
      on_result: ->(result) { @lock.synchronize { @results << result } }
    }
  end

  def track_n(tracker, n, action = "act")
    n.times { |i| tracker.track_struct_event("cat", action, "label-#{i}", nil, i) }
  end

  def test_on_success_counts_every_event_before_flush_returns
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "post", buffer_size: 10, **callbacks)
    tracker = Snowplow::Tracker.new(emitter)
    track_n(tracker, 25)
    assert tracker.flush(false, timeout: 60)
    # flush returned: every callback of those events has run already
    @lock.synchronize do
      assert_equal 25, @successes.sum
      assert_equal [], @failure_calls
      assert(@threads.all? { |t| t != Thread.main && t.name == "snowplow-dispatcher" })
      assert_equal 1, @threads.uniq.size
      assert_equal @successes.size, @results.size
      assert(@results.all?(&:sent?))
      assert_equal 25, @results.sum { |r| r.events.size }
    end
    assert_equal 25, emitter.counter(:sent)
    assert_equal @results.size, emitter.results_handled
    emitter.close
  end

  def test_get_reports_each_request
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "get", **callbacks)
    tracker = Snowplow::Tracker.new(emitter)
    track_n(tracker, 5)
    assert tracker.flush(false, timeout: 60)
    assert_equal [1, 1, 1, 1, 1], @lock.synchronize { @successes.dup }
    emitter.close
  end

  def check_failed_events(failed, n, action)
    assert_equal n, failed.size
    failed.each do |event|
      assert_equal "se", event["e"]
      assert_equal "cat", event["se_ca"]
      assert_equal action, event["se_ac"]
      assert_match(/\A[0-9a-f-]{36}\z/, event["eid"])
      assert(event.values.all? { |v| v.is_a?(String) })
    end
    assert_equal (0...n).map { |i| "label-#{i}" }.sort, failed.map { |e| e["se_la"] }.sort
  end

  def test_dead_port_reports_failures
    port = CollectorHelper.dead_port
    emitter = Snowplow::Emitter.new("127.0.0.1:#{port}", method: "post", max_attempts: 1, **callbacks)
    tracker = Snowplow::Tracker.new(emitter)
    track_n(tracker, 4, "dead")
    assert tracker.flush(false, timeout: 60)
    failures = @lock.synchronize { @failure_calls.dup }
    refute_empty failures
    assert_equal [0], failures.map(&:first).uniq
    check_failed_events(failures.flat_map(&:last), 4, "dead")
    assert_equal [], @successes
    assert(@results.all? { |r| r.failed? && r.status.zero? && !r.reason.empty? && !r.will_retry? })
    assert_equal 4, emitter.counter(:failed)
    emitter.close
  end

  def test_http_500_reports_failures
    collector.fault(status: 500)
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "post", max_attempts: 2, retry_base_delay_ms: 10,
                                                        **callbacks)
    tracker = Snowplow::Tracker.new(emitter)
    track_n(tracker, 3, "five-hundred")
    # A flush waits for one attempt per event; the second (last) one comes on its own.
    deadline = Time.now + 60
    sleep 0.02 until emitter.counter(:failed) == 3 || Time.now > deadline
    assert tracker.flush(false, timeout: 60)
    results = @lock.synchronize { @results.dup }
    assert(results.all? { |r| r.failed? && r.status == 500 && r.reason.include?("500") })
    # the first attempt will be retried, the second is the last
    final = results.reject(&:will_retry?)
    check_failed_events(final.flat_map(&:events), 3, "five-hundred")
    refute_empty results.select(&:will_retry?)
    assert_equal 3, emitter.counter(:failed)
    assert_equal 0, emitter.counter(:sent)
    assert_equal 0, collector.counts["good"]
    emitter.close
  ensure
    collector.clear_fault
  end

  def test_http_400_is_not_retried
    collector.fault(status: 400)
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "get", **callbacks)
    tracker = Snowplow::Tracker.new(emitter)
    track_n(tracker, 2, "bad-request")
    assert tracker.flush(false, timeout: 60)
    results = @lock.synchronize { @results.dup }
    assert(results.all? { |r| r.failed? && r.status == 400 && !r.will_retry? })
    check_failed_events(@failure_calls.flat_map(&:last), 2, "bad-request")
    assert_equal 0, emitter.counter(:retried)
    emitter.close
  ensure
    collector.clear_fault
  end

  def test_flush_and_track_inside_a_callback_do_not_deadlock
    emitter = nil
    tracker = nil
    inner = []
    on_success = lambda do |count|
      @lock.synchronize { @successes << count }
      next unless @lock.synchronize { inner.empty? }

      @lock.synchronize { inner << :started }
      tracker.track_struct_event("cat", "from-callback")
      # A blocking flush on the dispatcher thread: covers the delivery, not
      # the callbacks (they run after this one returns).
      inner << emitter.flush(false, timeout: 30)
      inner << tracker.flush(false, timeout: 30)
    end
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "post", on_success: on_success)
    tracker = Snowplow::Tracker.new(emitter)
    tracker.track_struct_event("cat", "first")
    assert tracker.flush(false, timeout: 60)
    assert tracker.flush(false, timeout: 60) # the callback's own event and its callback
    assert_equal [:started, true, true], @lock.synchronize { inner.dup }
    assert_equal 2, @lock.synchronize { @successes.sum }
    assert_equal %w[first from-callback], collector.good.map { |r| r.dig("event", "se_ac") }.sort
    emitter.close
  end

  def test_a_raising_callback_does_not_stop_the_dispatcher
    calls = 0
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "get",
                                                        on_success: lambda { |_|
                                                          @lock.synchronize { calls += 1 }
                                                          raise "boom"
                                                        })
    tracker = Snowplow::Tracker.new(emitter)
    _out, err = capture_subprocess_io do
      track_n(tracker, 3)
      assert tracker.flush(false, timeout: 60)
    end
    assert_equal 3, @lock.synchronize { calls }
    assert_includes err, "on_success callback raised RuntimeError: boom"
    emitter.close
  end

  def test_close_reports_what_it_could_not_send
    port = CollectorHelper.dead_port
    emitter = Snowplow::Emitter.new("127.0.0.1:#{port}", method: "post", retry_base_delay_ms: 50,
                                                         connect_timeout_ms: 200, **callbacks)
    tracker = Snowplow::Tracker.new(emitter)
    track_n(tracker, 6, "abandoned")
    emitter.close(0.3)
    assert emitter.closed?
    final = @lock.synchronize { @results.reject(&:will_retry?) }
    check_failed_events(final.flat_map(&:events), 6, "abandoned")
    assert_equal 6, emitter.counter(:failed)
    assert_raises(RuntimeError) { tracker.track_struct_event("cat", "after-close") }
  end

  def test_a_full_queue_reports_dropped_events_instead_of_raising
    collector.fault(hang: true)
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "post", buffer_size: 1, buffer_capacity: 5,
                                                        request_timeout_ms: 30_000, **callbacks)
    tracker = Snowplow::Tracker.new(emitter)
    30.times { |i| assert_same tracker, tracker.track_struct_event("cat", "full", "label-#{i}") }
    dropped = emitter.counter(:dropped)
    assert_operator dropped, :>=, 30 - 5 - 2 # at most the queue and a request in flight got through
    collector.reset # lets the hanging request go (it may fail and be retried)
    deadline = Time.now + 60
    sleep 0.02 until emitter.counter(:sent) + dropped == 30 || Time.now > deadline
    assert tracker.flush(false, timeout: 60)
    full = @lock.synchronize { @results.select { |r| r.failed? && r.reason == "queue full" } }
    assert_equal dropped, full.sum { |r| r.events.size }
    assert(full.none?(&:will_retry?))
    assert_equal 30, emitter.counter(:sent) + dropped
    emitter.close
  ensure
    collector.clear_fault
  end

  def test_callbacks_must_be_callable
    err = assert_raises(ArgumentError) { Snowplow::Emitter.new(collector.endpoint, on_success: 3) }
    assert_match(/on_success/, err.message)
  end
end
