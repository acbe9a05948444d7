# frozen_string_literal: true

# require "snowplow-tracker": callbacks with the gem's arguments and no retry,
# the gem's log lines through `logger:`, and bad calls (ArgumentError naming
# the argument, nothing on the wire).
require "minitest/autorun"
require "stringio"
require "snowplow-tracker"
require "collector_helper"

class TestGemEmitter < Minitest::Test
  ST = SnowplowTracker

  def collector = CollectorHelper.collector

  def setup
    collector.reset
    @log = StringIO.new
    @calls = Queue.new
  end

  def options(extra = {})
    { logger: Logger.new(@log, level: Logger::INFO), on_success: ->(count) { @calls << [:success, count] },
      on_failure: ->(count, failed) { @calls << [:failure, count, failed] } }.merge(extra)
  end

  def calls
    list = []
    list << @calls.pop until @calls.empty?
    list
  end

  def log_lines = @log.string.lines.map { |l| l.sub(/\A(\w), \[[^\]]*\]\s+\w+ -- : /, '\1 ').chomp }

  def test_callbacks_post_batches
    e = ST::Emitter.new(endpoint: collector.endpoint, options: options(method: "post", buffer_size: 3))
    t = ST::Tracker.new(emitters: e)
    3.times { |i| t.track_struct_event(category: "c", action: "a#{i}") }
    t.flush
    assert_equal [[:success, 3]], calls
    assert_equal 1, collector.requests.size
  end

  def test_callbacks_get_one_per_request
    t = ST::Tracker.new(ST::AsyncEmitter.new(collector.endpoint, options(thread_count: 2)))
    3.times { |i| t.track_struct_event("c", "a#{i}") }
    t.flush(false)
    assert_equal [[:success, 1]] * 3, calls
  end

  # The gem sent each request once: a failure is reported once, with the
  # events (Hashes of String fields), and nothing is sent again.
  def test_failure_reported_once_without_retry
    collector.fault(status: 500)
    e = ST::Emitter.new(endpoint: collector.endpoint, options: options(method: "post"))
    t = ST::Tracker.new(emitters: e, namespace: "fail")
    t.track_struct_event(category: "c", action: "fails", value: 3)
    t.flush
    sleep 0.3 # a retry, if any, would have gone out by now (first backoff 100 ms)
    got = calls
    assert_equal 1, got.size
    kind, count, failed = got.first
    assert_equal [:failure, 0], [kind, count]
    assert_equal 1, failed.size
    assert_equal({ "e" => "se", "se_ca" => "c", "se_ac" => "fails", "se_va" => "3", "tna" => "fail", "p" => "srv" },
                 failed.first.slice("e", "se_ca", "se_ac", "se_va", "tna", "p"))
    assert(failed.first.values.all? { |v| v.is_a?(String) })
    assert_equal 1, collector.requests.size
    assert_equal 0, collector.counts["total"]
    assert_equal 0, e.counter(:retried)
  ensure
    collector.clear_fault
  end

  # Retries are there when asked for.
  def test_retries_on_request
    collector.fault(status: 503, count: 1)
    e = ST::Emitter.new(endpoint: collector.endpoint,
                        options: options(method: "post", max_attempts: 3, retry_base_delay_ms: 10))
    ST::Tracker.new(emitters: e).track_struct_event(category: "c", action: "retried").flush
    collector.wait_for_total(1)
    assert_equal 2, collector.requests.size
  ensure
    collector.clear_fault
  end

  def test_logger_lines
    e = ST::Emitter.new(endpoint: collector.endpoint, options: options)
    t = ST::Tracker.new(emitters: e)
    t.track_page_view(page_url: "https://e.com/")
    t.flush
    t.flush # nothing left: the gem's "Skipping" line
    uri = "http://#{collector.endpoint}/i"
    lines = log_lines
    assert_equal "I SnowplowTracker::Emitter initialized with endpoint #{uri}", lines[0]
    assert_includes lines, "I Attempting to send 1 request"
    assert_includes lines, "I Sending GET request to #{uri}..."
    assert_includes lines, "I GET request to #{uri} finished with status code 200"
    assert_includes lines, "I Skipping sending events since buffer is empty"
    assert(lines.none? { |l| l.start_with?("D ") }, "DEBUG stays off at INFO")

    @log.truncate(0)
    @log.rewind
    e.logger.level = Logger::DEBUG
    collector.fault(status: 500)
    t.track_page_view(page_url: "https://e.com/debug")
    t.flush
    lines = log_lines
    assert_includes lines, "W GET request to #{uri} finished with status code 500"
    assert(lines.any? { |l| l.start_with?("D Payload: {") && l.include?('"url"=>"https://e.com/debug"') }, lines.inspect)
  ensure
    collector.clear_fault
  end

  def test_logger_async_flush_and_network_error
    port = CollectorHelper.dead_port
    e = ST::AsyncEmitter.new(endpoint: "127.0.0.1", options: options(port: port, method: "post"))
    ST::Tracker.new(emitters: e).track_struct_event(category: "c", action: "a").flush
    lines = log_lines
    assert_equal "I SnowplowTracker::AsyncEmitter initialized with endpoint " \
                 "http://127.0.0.1:#{port}/com.snowplowanalytics.snowplow/tp2", lines[0]
    assert_includes lines, "I Starting synchronous flush"
    assert_includes lines, "I Finished synchronous flush"
    assert(lines.any? { |l| l.start_with?("W ") && l.include?("onnect") }, lines.inspect)
    assert_equal [[:failure, 0]], calls.map { |c| c.first(2) }
  end

  def test_default_logger
    assert_instance_of Logger, ST::LOGGER
    assert_equal Logger::INFO, ST::LOGGER.level
    level = ST::LOGGER.level
    ST::LOGGER.level = Logger::WARN # the gem's way to quieten it
    assert_same ST::LOGGER, ST::Emitter.new(endpoint: collector.endpoint, options: { logger: nil }).logger
  ensure
    ST::LOGGER.level = level
  end

  # Each bad call raises ArgumentError naming what was wrong; nothing reaches
  # the collector (one good event tracked afterwards is all it gets).
  def test_bad_calls
    t = ST::Tracker.new(emitters: ST::Emitter.new(endpoint: collector.endpoint, options: options(method: "post")))
    sdj = ST::SelfDescribingJson.new("iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0", { "name" => "n" })
    {
      -> { t.track_page_view(page_title: "no url") } => "track_page_view: missing keyword: :page_url",
      -> { t.track_page_view(page_url: 5) } => "page_url: expected a String, got Integer",
      -> { t.track_page_view(page_url: "u", foo: 1) } => "unknown keyword: :foo",
      -> { t.track_page_view("u", page_url: "v") } => "track_page_view: page_url given both by position and by keyword",
      -> { t.track_page_view("u", nil, nil, nil, nil, nil) } => "track_page_view: wrong number of arguments (given 6, expected 1..5)",
      -> { t.track_page_view(page_url: "u", subject: "s") } => "subject: expected a Snowplow::Subject, got String",
      -> { t.track_page_view(page_url: "u", page: {}) } => "page: expected a Snowplow::Page, got Hash",
      -> { t.track_struct_event(category: "c") } => "track_struct_event: missing keyword: :action",
      -> { t.track_struct_event(category: "c", action: "a", value: "x") } => "value: \"x\" is not a number",
      -> { t.track_struct_event(category: "", action: "a") } => "category",
      -> { t.track_self_describing_event(event_json: { "schema" => "x" }) } => "event_json: expected a Snowplow::SelfDescribingJson",
      -> { t.track_self_describing_event(event_json: sdj, context: [1]) } => "context[0]: expected a Snowplow::SelfDescribingJson",
      -> { t.track_self_describing_event(event_json: sdj, tstamp: "now") } => "tstamp: expected milliseconds",
      -> { t.track_ecommerce_transaction(transaction: { order_id: "o" }, items: []) } => "transaction: total_value is required",
      -> { t.track_ecommerce_transaction(transaction: { order_id: "o", total_value: 1 }) } =>
        "track_ecommerce_transaction: missing keyword: :items",
      -> { t.track_ecommerce_transaction(transaction: { order_id: "o", total_value: 1 }, items: [{ sku: "s" }]) } =>
        "items[0]: price is required",
      -> { t.track_screen_view(name: "n", page: ST::Page.new(page_url: "\xff".b)) } => "not valid UTF-8",
      -> { ST::Page.new(page_url: 1) } => "Page: page_url: expected a String, got Integer",
      -> { ST::Tracker.new(subject: ST::Subject.new) } => "Tracker.new: missing keyword: :emitters",
      -> { ST::Tracker.new(emitters: "e") } => "emitters[0]: expected a Snowplow::Emitter, got String",
      -> { ST::Tracker.new(emitters: t.emitters, encode_base64: "yes") } => "encode_base64: expected true or false",
      -> { ST::Emitter.new(options: {}) } => "Emitter.new: missing keyword: :endpoint",
      -> { ST::Emitter.new(endpoint: 1) } => "endpoint: expected a String, got Integer",
      -> { ST::Emitter.new(endpoint: "h", options: "get") } => "options: expected a Hash, got String",
      -> { ST::Emitter.new(endpoint: "h", options: { method: "put" }) } => "method: expected \"get\" or \"post\"",
      -> { ST::Emitter.new(endpoint: "h", options: { bufer_size: 2 }) } => "unknown configuration :bufer_size",
      -> { ST::Emitter.new(endpoint: "h", options: { logger: "stderr" }) } => "logger: expected a Logger, got String",
      -> { ST::Emitter.new(endpoint: "h", options: { path: "/x" }) } => "path: GET requests go to /i",
      -> { ST::Subject.new.set_platform("car") } => "car",
      -> { ST::Subject.new.set_screen_resolution(width: 1) } => "set_screen_resolution: missing keyword: :height",
      -> { ST::Subject.new.set_color_depth("deep") } => "set_color_depth: depth: expected an Integer, got String",
      -> { ST::Subject.new.set_fingerprint(42) } => "set_fingerprint: fp (user fingerprint) is not part of",
      -> { t.flush(async: "no") } => "flush: async: expected true or false"
    }.each do |call, message|
      error = assert_raises(ArgumentError) { call.call }
      assert_includes error.message, message
    end
    t.track_struct_event(category: "only", action: "this")
    t.flush
    assert_equal 1, collector.wait_for_total(1)["total"]
    assert_equal [%w[only this]], collector.good.map { |r| r["event"].values_at("se_ca", "se_ac") }
    assert_equal [[:success, 1]], calls
  end

  # The gem's public Emitter#input: a Hash of payload fields, values to_s.
  def test_input
    e = ST::Emitter.new(endpoint: collector.endpoint, options: options(method: "post"))
    assert_nil e.input({ "e" => "se", "se_ca" => "raw", "se_ac" => "input", "se_va" => 5, "p" => "srv", "tv" => "rb-x",
                         dtm: 1_700_000_000_000 })
    error = assert_raises(ArgumentError) { e.input({ "se_ca" => "no e" }) }
    assert_includes error.message, "'e'"
    e.flush
    collector.wait_for_total(1)
    got = collector.good.map { |r| r["event"].slice("e", "se_ca", "se_ac", "se_va", "dtm") }
    assert_equal [{ "e" => "se", "se_ca" => "raw", "se_ac" => "input", "se_va" => "5", "dtm" => "1700000000000" }], got
    assert_equal 1, collector.counts["total"]
  end

  def test_post_path_option
    e = ST::Emitter.new(endpoint: collector.endpoint,
                        options: options(method: "post", path: "/com.acme/track"))
    ST::Tracker.new(emitters: e).track_struct_event(category: "c", action: "path").flush
    collector.wait_for_total(1)
    assert_equal ["/com.acme/track"], collector.good.map { |r| r["path"] }
  end
end
