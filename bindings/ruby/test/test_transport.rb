# frozen_string_literal: true

# The transport keys of the emitter: max_inflight (GET requests in flight per
# sending thread) and redis_url/redis_key (each event pushed to a Redis list
# of a redis-server this test starts).
require "minitest/autorun"
require "open3"
require "socket"
require "tmpdir"
require "json"
require "fileutils"
require "snowplow"
require "collector_helper"
require "redis_helper"

class TestTransport < Minitest::Test
  include RedisHelper

  def collector = CollectorHelper.collector

  def test_get_with_requests_in_flight_delivers_each_event_once
    collector.reset
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "get", thread_count: 2, max_inflight: 16)
    tracker = Snowplow::Tracker.new(emitter)
    100.times { |i| tracker.track_struct_event("inflight", "n", i.to_s) }
    assert tracker.flush(false, timeout: 120)
    collector.wait_for_total(100)
    labels = collector.good.map { |r| Integer(r["raw"]["se_la"]) }.sort
    assert_equal (0...100).to_a, labels
    assert_equal 100, emitter.counter(:sent)
    emitter.close
  end

  def test_max_inflight_out_of_range
    error = assert_raises(StandardError) { Snowplow::Emitter.new(collector.endpoint, max_inflight: 0) }
    assert_match(/max_inflight/, error.message)
  end

  def test_redis_url_pushes_payloads
    with_redis do |port|
      emitter = Snowplow::Emitter.new("unused", redis_url: "redis://127.0.0.1:#{port}", redis_key: "events")
      tracker = Snowplow::Tracker.new(emitter)
      20.times { |i| tracker.track_struct_event("redis", "push", i.to_s) }
      assert tracker.flush(false, timeout: 120)
      assert_equal 20, emitter.counter(:sent)
      items = redis_cli(port, "LRANGE", "events", "0", "-1").lines.map { |l| JSON.parse(l) }
      assert_equal (0...20).to_a, items.map { |i| Integer(i["se_la"]) }.sort
      items.each { |item| assert(item.values.all? { |v| v.is_a?(String) }) }
      emitter.close
    end
  end

  def test_redis_wrong_type_fails_with_reason
    with_redis do |port|
      redis_cli(port, "SET", "events", "a string")
      reasons = []
      emitter = Snowplow::Emitter.new("unused", redis_url: "redis://127.0.0.1:#{port}", redis_key: "events",
                                                on_result: ->(r) { reasons << r.reason unless r.sent? })
      tracker = Snowplow::Tracker.new(emitter)
      tracker.track_struct_event("redis", "push")
      tracker.flush(false, timeout: 120)
      deadline = Time.now + 60
      sleep 0.02 until emitter.counter(:failed) == 1 || Time.now > deadline
      assert_equal 1, emitter.counter(:failed)
      emitter.close
      assert_match(/WRONGTYPE/, reasons.join)
    end
  end
end
