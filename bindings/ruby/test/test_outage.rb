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
    # The retries deliver them; a flush then runs the callbacks still due.
    wait_until(120) { emitter.counter(:sent) == 50 }
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

  # A blocking flush without a timeout during an outage returns once every
  # event had one attempt, reported with will_retry; the events stay queued
  # and are delivered when the collector is back.
  def test_flush_during_outage_returns_after_one_attempt
    collector.reset
    collector.fault(status: 500)
    lock = Mutex.new
    retried_ids = []
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "post", buffer_size: 5,
                                                        retry_base_delay_ms: 200, retry_max_delay_ms: 1000,
                                                        on_result: lambda { |r|
                                                          next unless r.will_retry?

                                                          lock.synchronize { retried_ids.concat(r.events.map { |e| e["eid"] }) }
                                                        })
    tracker = Snowplow::Tracker.new(emitter)
    7.times { |i| tracker.track_struct_event("outage", "flush", i.to_s) }
    assert tracker.flush(false) # no timeout: returns on its own
    assert_equal 7, lock.synchronize { retried_ids.uniq.size } # reported before flush returned
    counters = emitter.counters
    assert_equal [0, 0], counters.values_at(:sent, :failed)
    assert_equal 7, counters[:queued] + counters[:in_flight]

    collector.clear_fault
    wait_until(60) { emitter.counter(:sent) == 7 }
    assert_equal 7, collector.wait_for_total(7)["good"]
    emitter.close
  ensure
    collector.clear_fault
  end
end
