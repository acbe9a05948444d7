# frozen_string_literal: true

# Bad input raises ArgumentError carrying the C library's message and sends
# nothing; text in any Ruby encoding arrives as UTF-8.
require "minitest/autorun"
require "snowplow"
require "collector_helper"

class TestInput < Minitest::Test
  ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"

  def collector = CollectorHelper.collector

  def setup
    collector.reset
    @emitter = Snowplow::Emitter.new(collector.endpoint, method: "post")
    @tracker = Snowplow::Tracker.new(@emitter)
  end

  def teardown
    @emitter.close
  end

  def assert_argument_error(pattern, &block)
    err = assert_raises(ArgumentError, &block)
    assert_match pattern, err.message
    err
  end

  def test_core_messages_name_the_argument
    assert_argument_error(/\Asnowplow_event_structured_new: category: must not be empty/) do
      @tracker.track_struct_event("", "action")
    end
    assert_argument_error(/\Asnowplow_sdjson_new: schema: not an Iglu URI/) do
      @tracker.track_self_describing_event(Snowplow::SelfDescribingJson.new("not-a-schema", {}))
    end
    assert_argument_error(/\Asnowplow_sdjson_new: schema: not an Iglu URI/) do
      @tracker.track_page_view("https://a", nil, nil, [Snowplow::SelfDescribingJson.new("iglu:x", {})])
    end
    assert_argument_error(/snowplow_subject_set_platform/) { Snowplow::Subject.new.set_platform("moon") }
    assert_argument_error(/snowplow_subject_set_screen_resolution/) { Snowplow::Subject.new.set_screen_resolution(-1, 5) }
    assert_argument_error(/snowplow_emitter_options_set_endpoint/) { Snowplow::Emitter.new("ftp://example.com") }
    assert_argument_error(/snowplow_emitter_options_set_thread_count/) do
      Snowplow::Emitter.new("example.com", thread_count: 0)
    end
    assert_argument_error(/form_change/) { @tracker.track_form_change("f", "e", "BUTTON", "v") }
    assert_argument_error(/mobile_screen_view.*id/) { @tracker.track_mobile_screen_view("Main", "not-a-uuid") }
    assert_argument_error(/terms/) { @tracker.track_site_search([]) }
  end

  def test_binding_checks
    assert_argument_error(/unknown configuration :bogus/) { Snowplow::Emitter.new("example.com", bogus: 1) }
    assert_argument_error(/method/) { Snowplow::Emitter.new("example.com", method: "put") }
    assert_argument_error(/at least one emitter/) { Snowplow::Tracker.new([]) }
    assert_argument_error(/emitters\[0\]/) { Snowplow::Tracker.new(["x"]) }
    assert_argument_error(/context\[0\]/) { @tracker.track_page_view("https://a", nil, nil, [{ "schema" => ENTITY }]) }
    assert_argument_error(/tstamp/) { @tracker.track_page_view("https://a", nil, nil, nil, "yesterday") }
    assert_argument_error(/value/) { @tracker.track_struct_event("c", "a", nil, nil, "lots") }
    assert_argument_error(/value/) { @tracker.track_struct_event("c", "a", nil, nil, Float::NAN) }
    assert_argument_error(/min_x/) { @tracker.track_page_ping("https://a", nil, nil, 1.5) }
    assert_argument_error(/total_value is required/) { @tracker.track_ecommerce_transaction({ "order_id" => "o" }, []) }
    assert_argument_error(/unknown keys colour/) do
      @tracker.track_ecommerce_transaction({ "order_id" => "o", "total_value" => 1, "colour" => "red" }, [])
    end
    assert_argument_error(/items\[0\]: context\[0\]: expected a Snowplow::SelfDescribingJson/) do
      @tracker.track_ecommerce_transaction({ "order_id" => "o", "total_value" => 1 },
                                           [{ "sku" => "s", "price" => 1, "quantity" => 1, "context" => [{}] }])
    end
    assert_argument_error(/data: expected a Hash/) { Snowplow::SelfDescribingJson.new(ENTITY, [1]) }
    assert_raises(TypeError) { Snowplow::Native.event_page_view_new(42, nil, nil) }
  end

  def test_items_carry_their_own_contexts_after_the_transactions
    tx = Snowplow::SelfDescribingJson.new(ENTITY, { "id" => "tx" })
    own = Snowplow::SelfDescribingJson.new(ENTITY, { "id" => "item-a" })
    @tracker.track_ecommerce_transaction({ "order_id" => "o-1", "total_value" => 3 },
                                         [{ "sku" => "a", "price" => 1, "quantity" => 1, "context" => [own] },
                                          { "sku" => "b", "price" => 2, "quantity" => 1 }], [tx])
    assert @tracker.flush(false, timeout: 60)
    ids = collector.good.to_h do |r|
      [r.dig("event", "ti_sk") || "tr", r.dig("event", "contexts").map { |c| c.dig("data", "id") }]
    end
    assert_equal({ "tr" => ["tx"], "a" => %w[tx item-a], "b" => ["tx"] }, ids)
  end

  def test_bad_text
    assert_argument_error(/UTF-8/) { @tracker.track_page_view("https://a/\xff".b) }
    assert_argument_error(/null byte/) { @tracker.track_page_view("https://a/\0b") }
    assert_argument_error(/cannot be encoded as JSON/) do
      @tracker.track_self_describing_event(Snowplow::SelfDescribingJson.new(ENTITY, { "id" => "\xc3".b }))
    end
  end

  def test_nothing_is_sent_for_bad_input
    assert_raises(ArgumentError) { @tracker.track_struct_event("", "a") }
    assert_raises(ArgumentError) { @tracker.track_ecommerce_transaction({ "order_id" => "", "total_value" => 1 }, []) }
    assert_raises(ArgumentError) { @tracker.track_site_search(["ok", 3]) }
    assert_raises(ArgumentError) do
      @tracker.track_struct_event("c", "a", nil, nil, nil, [Snowplow::SelfDescribingJson.new("bad", {})])
    end
    @tracker.track_struct_event("only", "this")
    assert @tracker.flush(false, timeout: 60)
    assert_equal 1, collector.counts["total"]
    assert_equal 1, @emitter.counter(:tracked)
  end

  def test_unicode_in_every_encoding_arrives_as_utf8
    latin1 = "Zürich café".encode(Encoding::ISO_8859_1)
    utf16 = "naïve ✓".encode(Encoding::UTF_16LE)
    @tracker.set_user_id("ユーザー")
    @tracker.track_page_view("https://example.com/ü?q=日本", latin1, nil,
                             [Snowplow::SelfDescribingJson.new(ENTITY, { "id" => "😀 \u00e9\u0301", "tags" => [utf16.encode("UTF-8")] })])
    @tracker.track_struct_event("caf\u00e9", utf16, "\u{1F680}".b.force_encoding("BINARY").force_encoding("UTF-8"))
    assert @tracker.flush(false, timeout: 60)
    assert_equal [], collector.bad
    events = collector.good.map { |r| r["event"] }.sort_by { |e| e["e"] }
    pv, se = events
    assert_equal "https://example.com/ü?q=日本", pv["url"]
    assert_equal "Zürich café", pv["page"]
    assert_equal "ユーザー", pv["uid"]
    assert_equal({ "id" => "😀 \u00e9\u0301", "tags" => ["naïve ✓"] }, pv.dig("contexts", 0, "data"))
    assert_equal ["café", "naïve ✓", "🚀"], [se["se_ca"], se["se_ac"], se["se_la"]]
  end

  def test_numbers_keep_their_value
    @tracker.track_struct_event("n", "float", nil, nil, 0.1 + 0.2)
    @tracker.track_struct_event("n", "big", nil, nil, 2**53)
    @tracker.track_struct_event("n", "rational", nil, nil, Rational(1, 4))
    @tracker.track_page_ping("https://a", nil, nil, 0, 2.0, 3, 4)
    assert @tracker.flush(false, timeout: 60)
    events = collector.good.map { |r| r["event"] }
    by_action = events.select { |e| e["e"] == "se" }.to_h { |e| [e["se_ac"], e["se_va"]] }
    assert_equal({ "float" => "0.30000000000000004", "big" => "9007199254740992", "rational" => "0.25" }, by_action)
    ping = events.find { |e| e["e"] == "pp" }
    assert_equal %w[0 2 3 4], ping.values_at("pp_mix", "pp_max", "pp_miy", "pp_may")
  end
end
