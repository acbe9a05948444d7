# frozen_string_literal: true

# Snowplow::RedisEmitter: events go to a Redis list (a redis-server this test
# starts) and snowplow-relay delivers them; the collector gets the same fields
# as from a direct emitter tracking the same calls.
require "minitest/autorun"
require "json"
require "snowplow"
require "collector_helper"
require "redis_helper"

class TestRedisRelay < Minitest::Test
  include RedisHelper

  def collector = CollectorHelper.collector

  CONTEXT = Snowplow::SelfDescribingJson.new(
    "iglu:com.snowplowanalytics.snowplow/desktop_context/jsonschema/1-0-0",
    { "osType" => "Linux", "osVersion" => "6.1" }
  )

  def track_each_kind(tracker)
    tracker.track_page_view("https://example.com/a", "A", nil, [CONTEXT])
    tracker.track_struct_event("shop", "add", "book", "pcs", 2.5)
    tracker.track_self_describing_event(
      Snowplow::SelfDescribingJson.new("iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
                                       { "targetUrl" => "https://example.com/b" }), [CONTEXT]
    )
    tracker.track_ecommerce_transaction({ "order_id" => "o-1", "total_value" => 12.5 },
                                        [{ "sku" => "s-1", "price" => 12.5, "quantity" => 1 }])
  end

  def raws = collector.good.to_h { |r| [r["raw"]["eid"], r["raw"].except("stm")] }

  def test_redis_emitter_through_the_relay_equals_direct
    skip "snowplow-relay not built" unless relay_binary
    with_redis do |port|
      collector.reset
      direct = Snowplow::Emitter.new(collector.endpoint, method: "post")
      redis = Snowplow::RedisEmitter.new("redis://127.0.0.1:#{port}", key: "rb-events")
      tracker = Snowplow::Tracker.new([direct, redis])
      track_each_kind(tracker)
      assert tracker.flush(false, timeout: 60)
      assert_equal 5, redis.counter(:sent)
      assert_equal "5", redis_cli(port, "LLEN", "rb-events").strip
      collector.wait_for_total(5)
      sent_directly = raws
      collector.reset

      status, err = run_relay(port, "rb-events", "http://#{collector.endpoint}")
      assert_equal 0, status, err
      collector.wait_for_total(5)
      assert_equal({ "total" => 5, "good" => 5, "bad" => 0 }, collector.counts)
      assert_equal sent_directly, raws
      direct.close
      redis.close
    end
  end

  def test_default_key_and_argument_errors
    with_redis do |port|
      emitter = Snowplow::RedisEmitter.new("redis://127.0.0.1:#{port}")
      assert_equal "snowplow", emitter.redis_key
      Snowplow::Tracker.new(emitter).track_struct_event("c", "a")
      assert emitter.flush(timeout: 60)
      assert_equal "1", redis_cli(port, "LLEN", "snowplow").strip
      emitter.close
    end
    assert_raises(ArgumentError) { Snowplow::RedisEmitter.new(42) }
    error = assert_raises(StandardError) { Snowplow::RedisEmitter.new("http://x") }
    assert_match(/unknown scheme/, error.message)
  end
end
