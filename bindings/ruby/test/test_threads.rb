# frozen_string_literal: true

# Eight Ruby threads tracking through one tracker at once: every event is
# delivered exactly once and every count adds up.
require "minitest/autorun"
require "snowplow"
require "collector_helper"

class TestThreads < Minitest::Test
  THREADS = 8
  PER_THREAD = 250

  def collector = CollectorHelper.collector

  def test_eight_threads_exact_accounting
    collector.reset
    lock = Mutex.new
    reported = 0
    failures = []
    emitter = Snowplow::AsyncEmitter.new(collector.endpoint, method: "post", thread_count: 2, buffer_size: 25,
                                                             on_success: ->(n) { lock.synchronize { reported += n } },
                                                             on_failure: ->(_s, f) { lock.synchronize { failures << f } })
    tracker = Snowplow::Tracker.new(emitter, nil, "threads")
    entity = Snowplow::SelfDescribingJson.new("iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0",
                                              { "id" => "shared" })
    workers = Array.new(THREADS) do |t|
      Thread.new do
        PER_THREAD.times do |i|
          if i.even?
            tracker.track_struct_event("thread-#{t}", "n-#{i}", nil, nil, i, [entity])
          else
            tracker.track_page_view("https://example.com/#{t}/#{i}", "Page #{i}")
          end
        end
      end
    end
    workers.each(&:join)
    total = THREADS * PER_THREAD
    assert tracker.flush(false, timeout: 120)

    counters = emitter.counters
    assert_equal total, counters[:tracked]
    assert_equal total, counters[:sent]
    assert_equal 0, counters[:failed] + counters[:dropped] + counters[:queued] + counters[:in_flight]
    assert_equal total, lock.synchronize { reported }
    assert_equal [], failures

    assert_equal({ "total" => total, "good" => total, "bad" => 0 }, collector.counts)
    events = collector.good("?fields=eid,e,se_ca,se_ac,url").map { |r| r["event"] }
    assert_equal total, events.map { |e| e["eid"] }.uniq.size
    THREADS.times do |t|
      structs = events.select { |e| e["se_ca"] == "thread-#{t}" }.map { |e| e["se_ac"] }
      assert_equal (0...PER_THREAD).step(2).map { |i| "n-#{i}" }.sort, structs.sort
      pages = events.select { |e| e["url"]&.start_with?("https://example.com/#{t}/") }
      assert_equal PER_THREAD / 2, pages.size
    end
    emitter.close
  end
end
