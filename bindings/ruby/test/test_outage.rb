# frozen_string_literal: true

# A collector outage (503s, then a dropped connection) and its end: events
# are retried with the same ids and each is delivered exactly once.
require "minitest/autorun"
require "snowplow"
require "collector_helper"

class TestOutage < Minitest::Test
  def collector = CollectorHelper.collector

  def wait_until(limit = 60)
    deadline = Time.now + limit
    until yield
      raise "condition not met within #{limit} s" if Time.now > deadline

      sleep 0.02
    end
  end

  def test_outage_and_recovery
    collector.reset
    collector.fault(status: 503)
    lock = Mutex.new
    retried_reports = []
    final_failures = []
    sent = 0
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "post", buffer_size: 10,
                                                        retry_base_delay_ms: 20, retry_max_delay_ms: 200,
                                                        on_success: ->(n) { lock.synchronize { sent += n } },
                                                        on_result: lambda { |r|
                                                          next if r.sent?

                                                          lock.synchronize do
                                                            (r.will_retry? ? retried_reports : final_failures) << r
                                                          end
                                                        })
    tracker = Snowplow::Tracker.new(emitter)
    50.times { |i| tracker.track_struct_event("outage", "n", i.to_s) }
    wait_until { emitter.counter(:retried) >= 50 }
    collector.fault(drop: true, count: 2)
    wait_until { collector.requests.count { |r| r["status"].nil? } >= 2 }
    assert tracker.flush(false, timeout: 120)

    assert_equal 50, lock.synchronize { sent }
    assert_equal [], final_failures
    refute_empty retried_reports
    assert(retried_reports.all? { |r| [0, 503].include?(r.status) })
    counters = emitter.counters
    assert_equal [50, 0, 0], counters.values_at(:sent, :failed, :dropped)
    assert_operator counters[:retried], :>=, 50
    good = collector.good("?fields=eid,se_la").map { |r| r["event"] }
    assert_equal 50, good.size
    assert_equal (0...50).map(&:to_s).sort, good.map { |e| e["se_la"] }.sort
    # the ids reported as retried are the ids that finally arrived
    retried_ids = retried_reports.flat_map { |r| r.events.map { |e| e["eid"] } }.uniq.sort
    assert_equal good.map { |e| e["eid"] }.sort, retried_ids
    emitter.close
  ensure
    collector.clear_fault
  end
end
