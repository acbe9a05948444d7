# frozen_string_literal: true

# Every event type, over GET and POST, with base64 on and off: what reaches
# the local collector is checked field by field (and nothing may be bad).
require "minitest/autorun"
require "snowplow"
require "collector_helper"

class TestEvents < Minitest::Test
  ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"
  TEST_EVENT = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
  BASE = "iglu:com.snowplowanalytics.snowplow"
  SCREEN_VIEW = "#{BASE}/screen_view/jsonschema/1-0-0"
  MOBILE_SCREEN_VIEW = "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0"
  SCREEN_ID = "0f2a3c44-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
  PREVIOUS_ID = "1e2d3c4b-5a69-4788-97a6-b5c4d3e2f1a0"

  SUBJECT_FIELDS = {
    "uid" => "user-ü", "res" => "1920x1080", "vp" => "800x600", "cd" => "24",
    "tz" => "Europe/London", "lang" => "en-GB", "ip" => "10.0.0.1", "ua" => "Mozilla/5.0 (X11)",
    "duid" => "domain-user", "tnuid" => "network-user", "sid" => "3b1a6f0e-0000-4000-8000-000000000001",
    "vid" => "3", "p" => "mob"
  }.freeze

  def collector = CollectorHelper.collector

  def subject
    Snowplow::Subject.new
                     .set_user_id("user-ü").set_screen_resolution(1920, 1080).set_viewport(800, 600)
                     .set_color_depth(24).set_timezone("Europe/London").set_lang("en-GB")
                     .set_ip_address("10.0.0.1").set_useragent("Mozilla/5.0 (X11)")
                     .set_domain_user_id("domain-user").set_network_user_id("network-user")
                     .set_domain_session_id("3b1a6f0e-0000-4000-8000-000000000001")
                     .set_domain_session_index(3).set_platform("mob")
  end

  # Every event carries one entity whose id names its case.
  def ctx(name)
    [Snowplow::SelfDescribingJson.new(ENTITY, { "id" => name, "n" => 7, "tags" => %w[a b] })]
  end

  def track_everything(t)
    t.track_page_view("https://example.com/page?q=1&r=ü", "Title ü", "https://ref.example/", ctx("page_view"))
    t.track_page_ping("https://example.com/", "Ping", "https://ref.example/", 0, 100, 10, 500, ctx("page_ping"))
    t.track_struct_event("shop", "add-to-basket", "book", "pcs", 7.99, ctx("struct"))
    t.track_struct_event("shop", "int", nil, nil, 2, ctx("struct_int"), 1_700_000_000_123)
    t.track_screen_view("HUD > Save", "s-1", ctx("screen_view"), Snowplow::TrueTimestamp.new(1_700_000_000_456))
    t.track_self_describing_event(test_event, ctx("self_describing"), Snowplow::DeviceTimestamp.new(1_700_000_000_789))
    t.track_unstruct_event(test_event, ctx("unstruct"))
    t.track_ecommerce_transaction(
      { "order_id" => "order-1", "total_value" => 39.97, "affiliation" => "web", "tax_value" => 3.5,
        "shipping" => 4, "city" => "Zürich", "state" => "ZH", "country" => "CH", "currency" => "CHF" },
      [{ "sku" => "sku-1", "price" => 9.99, "quantity" => 2, "name" => "Book", "category" => "books" },
       { "sku" => "sku-2", "price" => 19.99, "quantity" => 1 }],
      ctx("transaction"), Snowplow::TrueTimestamp.new(1_700_000_001_000)
    )
    t.track_link_click("https://example.com/target", "link-1", %w[nav big], "_blank", "Click me", ctx("link_click"))
    t.track_add_to_cart("sku-1", 2, "Book", "books", 9.99, "EUR", ctx("add_to_cart"))
    t.track_remove_from_cart("sku-2", 1.5, nil, nil, nil, nil, ctx("remove_from_cart"))
    t.track_form_change("form-1", "email", "INPUT", "a@b.c", "email", %w[wide], ctx("form_change"))
    t.track_form_change("form-1", "notes", "TEXTAREA", nil, nil, nil, ctx("form_change_null"))
    t.track_form_submit("form-1", %w[checkout],
                        [{ "name" => "email", "value" => "a@b.c", "nodeName" => "INPUT", "type" => "email" }],
                        ctx("form_submit"))
    t.track_site_search(%w[snow plow], { "category" => "books", "in_stock" => true }, 42, 10, ctx("site_search"))
    t.track_timing("load", "dom", 123.5, "home", ctx("timing"))
    t.track_mobile_screen_view("Main", SCREEN_ID, "feed", "Login", PREVIOUS_ID, "form", "push",
                               ctx("mobile_screen_view"))
  end

  def test_event
    Snowplow::SelfDescribingJson.new(TEST_EVENT, { "name" => "save", "count" => 3, "price" => 9.5, "flag" => true,
                                                   "note" => nil, "text" => "ü ✓ 😀" })
  end

  # name => [[expected event fields, expected self-describing data or nil], ...] (one per record)
  def expectations
    {
      "page_view" => [[{ "e" => "pv", "url" => "https://example.com/page?q=1&r=ü", "page" => "Title ü",
                         "refr" => "https://ref.example/" }, nil]],
      "page_ping" => [[{ "e" => "pp", "url" => "https://example.com/", "page" => "Ping", "refr" => "https://ref.example/",
                         "pp_mix" => "0", "pp_max" => "100", "pp_miy" => "10", "pp_may" => "500" }, nil]],
      "struct" => [[{ "e" => "se", "se_ca" => "shop", "se_ac" => "add-to-basket", "se_la" => "book", "se_pr" => "pcs",
                      "se_va" => "7.99" }, nil]],
      "struct_int" => [[{ "e" => "se", "se_ca" => "shop", "se_ac" => "int", "se_va" => "2", "dtm" => "1700000000123" },
                        nil]],
      "screen_view" => [[{ "e" => "ue", "ttm" => "1700000000456" },
                         { "schema" => SCREEN_VIEW, "data" => { "name" => "HUD > Save", "id" => "s-1" } }]],
      "self_describing" => [[{ "e" => "ue", "dtm" => "1700000000789" }, test_event_data]],
      "unstruct" => [[{ "e" => "ue" }, test_event_data]],
      "transaction" => [
        [{ "e" => "tr", "tr_id" => "order-1", "tr_tt" => "39.97", "tr_af" => "web", "tr_tx" => "3.5", "tr_sh" => "4",
           "tr_ci" => "Zürich", "tr_st" => "ZH", "tr_co" => "CH", "tr_cu" => "CHF", "ttm" => "1700000001000" }, nil],
        [{ "e" => "ti", "ti_id" => "order-1", "ti_sk" => "sku-1", "ti_pr" => "9.99", "ti_qu" => "2", "ti_nm" => "Book",
           "ti_ca" => "books", "ti_cu" => "CHF", "ttm" => "1700000001000" }, nil],
        [{ "e" => "ti", "ti_id" => "order-1", "ti_sk" => "sku-2", "ti_pr" => "19.99", "ti_qu" => "1", "ti_cu" => "CHF",
           "ttm" => "1700000001000" }, nil]
      ],
      "link_click" => [[{ "e" => "ue" },
                        { "schema" => "#{BASE}/link_click/jsonschema/1-0-1",
                          "data" => { "targetUrl" => "https://example.com/target", "elementId" => "link-1",
                                      "elementClasses" => %w[nav big], "elementTarget" => "_blank",
                                      "elementContent" => "Click me" } }]],
      "add_to_cart" => [[{ "e" => "ue" },
                         { "schema" => "#{BASE}/add_to_cart/jsonschema/1-0-0",
                           "data" => { "sku" => "sku-1", "quantity" => 2, "name" => "Book", "category" => "books",
                                       "unitPrice" => 9.99, "currency" => "EUR" } }]],
      "remove_from_cart" => [[{ "e" => "ue" },
                              { "schema" => "#{BASE}/remove_from_cart/jsonschema/1-0-0",
                                "data" => { "sku" => "sku-2", "quantity" => 1.5 } }]],
      "form_change" => [[{ "e" => "ue" },
                         { "schema" => "#{BASE}/change_form/jsonschema/1-0-0",
                           "data" => { "formId" => "form-1", "elementId" => "email", "nodeName" => "INPUT",
                                       "value" => "a@b.c", "type" => "email", "elementClasses" => ["wide"] } }]],
      "form_change_null" => [[{ "e" => "ue" },
                              { "schema" => "#{BASE}/change_form/jsonschema/1-0-0",
                                "data" => { "formId" => "form-1", "elementId" => "notes", "nodeName" => "TEXTAREA",
                                            "value" => nil } }]],
      "form_submit" => [[{ "e" => "ue" },
                         { "schema" => "#{BASE}/submit_form/jsonschema/1-0-0",
                           "data" => { "formId" => "form-1", "formClasses" => ["checkout"],
                                       "elements" => [{ "name" => "email", "value" => "a@b.c", "nodeName" => "INPUT",
                                                        "type" => "email" }] } }]],
      "site_search" => [[{ "e" => "ue" },
                         { "schema" => "#{BASE}/site_search/jsonschema/1-0-0",
                           "data" => { "terms" => %w[snow plow], "filters" => { "category" => "books", "in_stock" => true },
                                       "totalResults" => 42, "pageResults" => 10 } }]],
      "timing" => [[{ "e" => "ue" },
                    { "schema" => "#{BASE}/timing/jsonschema/1-0-0",
                      "data" => { "category" => "load", "variable" => "dom", "timing" => 123.5, "label" => "home" } }]],
      "mobile_screen_view" => [[{ "e" => "ue" },
                                { "schema" => MOBILE_SCREEN_VIEW,
                                  "data" => { "name" => "Main", "id" => SCREEN_ID, "type" => "feed",
                                              "previousName" => "Login", "previousId" => PREVIOUS_ID,
                                              "previousType" => "form", "transitionType" => "push" } }]]
    }
  end

  def test_event_data
    { "schema" => TEST_EVENT,
      "data" => { "name" => "save", "count" => 3, "price" => 9.5, "flag" => true, "note" => nil, "text" => "ü ✓ 😀" } }
  end

  def run_combination(method, base64)
    collector.reset
    emitter = Snowplow::Emitter.new(collector.endpoint, method: method, buffer_size: 7)
    tracker = Snowplow::Tracker.new(emitter, subject, "ns-#{method}", "app-1", base64)
    track_everything(tracker)
    assert tracker.flush(false, timeout: 60), "flush timed out"
    emitter.close

    assert_equal [], collector.bad, "bad events"
    good = collector.good
    expected = expectations
    assert_equal expected.values.sum(&:size), good.size, "number of events"

    by_case = good.group_by { |r| r.dig("event", "contexts", 0, "data", "id") }
    assert_equal expected.keys.sort, by_case.keys.sort
    expected.each do |name, records|
      got = by_case[name].sort_by { |r| [r.dig("event", "e") == "ti" ? 1 : 0, r.dig("event", "ti_sk").to_s] }
      assert_equal records.size, got.size, "#{name}: records"
      records.zip(got).each do |(fields, sd), record|
        check_record(name, record, fields, sd, method, base64, "ns-#{method}")
      end
    end
    assert_equal expected.values.sum(&:size), emitter.counter(:sent)
  end

  def check_record(name, record, fields, sd, method, base64, namespace)
    event = record["event"]
    raw = record["raw"]
    if method == "get"
      assert_equal ["GET", "/i"], [record["method"], record["path"]], name
    else
      assert_equal ["POST", "/com.snowplowanalytics.snowplow/tp2"], [record["method"], record["path"]], name
    end
    fields.each { |k, v| assert_equal v, event[k], "#{name}: #{k}" }
    SUBJECT_FIELDS.each { |k, v| assert_equal v, event[k], "#{name}: subject #{k}" }
    assert_equal Snowplow::TRACKER_VERSION, event["tv"], "#{name}: tv"
    assert_equal namespace, event["tna"], "#{name}: tna"
    assert_equal "app-1", event["aid"], "#{name}: aid"
    assert_match(/\A[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\z/, event["eid"], name)
    assert_match(/\A\d{13}\z/, event["dtm"], "#{name}: dtm")
    assert_match(/\A\d{13}\z/, event["stm"], "#{name}: stm")
    refute event.key?("ttm"), "#{name}: ttm" unless fields.key?("ttm")
    # Encoding of the JSON fields
    assert_equal base64, raw.key?("cx"), "#{name}: cx"
    assert_equal !base64, raw.key?("co"), "#{name}: co"
    assert_equal [{ "schema" => ENTITY, "data" => { "id" => name, "n" => 7, "tags" => %w[a b] } }],
                 event["contexts"], "#{name}: contexts"
    if sd
      assert_equal base64, raw.key?("ue_px"), "#{name}: ue_px"
      assert_equal !base64, raw.key?("ue_pr"), "#{name}: ue_pr"
      assert_equal "#{BASE}/unstruct_event/jsonschema/1-0-0", event.dig("unstruct_event", "schema"), name
      assert_equal sd, event.dig("unstruct_event", "data"), "#{name}: self-describing data"
    else
      refute raw.key?("ue_px") || raw.key?("ue_pr"), "#{name}: no ue"
    end
  end

  def test_post_base64 = run_combination("post", true)
  def test_post_plain = run_combination("post", false)
  def test_get_base64 = run_combination("get", true)
  def test_get_plain = run_combination("get", false)

  # Without a subject the gem's default platform is used, and the tracker's
  # subject setters (0.6.1 delegation) change the events that follow.
  def test_default_platform_and_subject_delegation
    collector.reset
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "post")
    tracker = Snowplow::Tracker.new(emitter)
    tracker.track_page_view("https://example.com/1")
    assert_same tracker, tracker.set_user_id("later").set_platform("tv")
    tracker.track_page_view("https://example.com/2")
    other = Snowplow::Subject.new.set_user_id("other")
    assert_same tracker, tracker.set_subject(other)
    tracker.track_page_view("https://example.com/3")
    assert tracker.flush(false, timeout: 60)
    emitter.close
    good = collector.good.map { |r| r["event"] }.sort_by { |e| e["url"] }
    assert_equal [["srv", nil], %w[tv later], ["srv", "other"]], good.map { |e| [e["p"], e["uid"]] }
    assert good.none? { |e| e.key?("tna") || e.key?("aid") }
    assert_equal [], collector.bad
  end

  def test_track_returns_tracker_and_subject_reads_back
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "post")
    tracker = Snowplow::Tracker.new([emitter])
    assert_same tracker, tracker.track_struct_event("a", "b")
    s = Snowplow::Subject.new.set_user_id("u").set_screen_resolution(10, 20)
    assert_equal({ "uid" => "u", "res" => "10x20" }, s.standard_nv_pairs)
    data = { "id" => "x" }
    sdj = Snowplow::SelfDescribingJson.new(ENTITY, data)
    assert_equal({ schema: ENTITY, data: { "id" => "x" } }, sdj.to_json)
    assert_equal %({"schema":"#{ENTITY}","data":{"id":"x"}}), sdj.to_s
    data["n"] = 2 # as in 0.6.1, the Hash is read when an event is tracked
    assert_equal %({"schema":"#{ENTITY}","data":{"id":"x","n":2}}), sdj.to_s
    emitter.close
  end

  # Two emitters: every event goes to both; add_emitter adds one later.
  def test_two_emitters_and_add_emitter
    collector.reset
    first = Snowplow::Emitter.new(collector.endpoint, method: "post")
    second = Snowplow::AsyncEmitter.new(collector.endpoint, method: "get", thread_count: 2)
    tracker = Snowplow::Tracker.new(first)
    tracker.track_struct_event("c", "one")
    tracker.add_emitter(second)
    tracker.track_struct_event("c", "two")
    assert tracker.flush(false, timeout: 60)
    actions = collector.good.map { |r| [r["method"], r.dig("event", "se_ac")] }.sort
    assert_equal [%w[GET two], %w[POST one], %w[POST two]], actions
    assert_equal [2, 1], [first.counter(:sent), second.counter(:sent)]
    first.close
    second.close
  end
end
