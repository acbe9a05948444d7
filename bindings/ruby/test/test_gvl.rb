# frozen_string_literal: true

# Blocking calls release the GVL (other Ruby threads run meanwhile) and can be
# interrupted by Thread#raise / Thread#kill.
require "minitest/autorun"
require "snowplow"
require "collector_helper"

class TestGvl < Minitest::Test
  def collector = CollectorHelper.collector

  def teardown
    collector.clear_fault
  end

  # An emitter whose first attempt never ends (the collector holds every
  # request without answering, the request timeout is 10 minutes): a blocking
  # flush waits for as long as it is allowed to.
  def stuck_emitter(**extra)
    collector.fault(hang: true)
    Snowplow::Emitter.new(collector.endpoint, method: "post", request_timeout_ms: 600_000, **extra)
  end

  def test_other_threads_run_during_a_blocking_flush
    emitter = stuck_emitter
    tracker = Snowplow::Tracker.new(emitter)
    tracker.track_page_view("https://example.com/")
    ticks = 0
    ticker = Thread.new { loop { ticks += 1; Thread.pass } }
    refute tracker.flush(false, timeout: 0.5) # times out: the attempt does not end
    ticker.kill
    ticker.join
    assert_operator ticks, :>, 0
    emitter.close(0)
  end

  def test_a_blocking_flush_can_be_interrupted
    emitter = stuck_emitter
    tracker = Snowplow::Tracker.new(emitter)
    tracker.track_page_view("https://example.com/")
    started = Queue.new
    flusher = Thread.new do
      started << true
      tracker.flush # no limit: only the interrupt ends it
      :returned
    rescue RuntimeError => e
      e.message
    end
    started.pop
    sleep 0.05 until flusher.status == "sleep" || flusher.status == false
    flusher.raise(RuntimeError, "interrupted")
    assert_equal "interrupted", flusher.join(30)&.value # join's bound only guards against a hang
    emitter.close(0)
  end

  def test_a_dispatcher_waiting_for_results_can_be_killed
    emitter = stuck_emitter(on_success: ->(_) {})
    dispatcher = emitter.instance_variable_get(:@dispatcher)
    sleep 0.05 until dispatcher.status == "sleep" # waiting in the C library, GVL released
    dispatcher.kill
    refute_nil dispatcher.join(30) # the bound only guards against a hang
    refute dispatcher.alive?
    emitter.close(0)
  end

  def test_close_from_another_thread_ends_a_flush
    emitter = stuck_emitter
    tracker = Snowplow::Tracker.new(emitter)
    tracker.track_page_view("https://example.com/")
    flusher = Thread.new { tracker.flush }
    sleep 0.05 until flusher.status == "sleep" || flusher.status == false
    emitter.close(0)
    refute_nil flusher.join(30)
    assert_equal 1, emitter.counter(:failed)
  end
end
