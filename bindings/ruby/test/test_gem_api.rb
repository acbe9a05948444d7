# frozen_string_literal: true

# require "snowplow-tracker": the gem's calls, 0.7/0.8 keywords and 0.6.1
# positions side by side, on the wire (local collector), GET and POST, base64
# on and off. The expected fields are what snowplow-tracker 0.8.0 sent for the
# same calls (measured against this collector; docs/ruby.md lists the
# differences kept on purpose).
require "minitest/autorun"
require "snowplow-tracker"
require "collector_helper"

class TestGemApi < Minitest::Test
  ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"
  TEST_EVENT = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
  SCREEN_VIEW = "iglu:com.snowplowanalytics.snowplow/screen_view/jsonschema/1-0-0"
  SID = "3b1a6f0e-0000-4000-8000-000000000001"
  T0 = 1_700_000_000_000
  ST = SnowplowTracker

  # The tracker's subject's fields and the per-event subject's.
  TRACKER_SUBJECT = { "p" => "web", "uid" => "u0", "lang" => "en", "res" => "1920x1080", "cd" => "24",
                      "sid" => SID, "vid" => "3" }.freeze
  # A per-event subject starts from p=srv and overrides field by field.
  EVENT_SUBJECT = TRACKER_SUBJECT.merge("p" => "srv", "uid" => "u1", "tz" => "Europe/Paris").freeze
  CONTEXTS = [{ "schema" => ENTITY, "data" => { "id" => "c1", "n" => 7, "tags" => %w[a b] } }].freeze
  PAGE = { "url" => "https://e.com/page", "refr" => "https://ref/" }.freeze

  def collector = CollectorHelper.collector

  def setup
    collector.reset
  end

  def ctx = [ST::SelfDescribingJson.new(ENTITY, { "id" => "c1", "n" => 7, "tags" => %w[a b] })]
  def tx_ctx = [ST::SelfDescribingJson.new(ENTITY, { "id" => "tx" })]
  def sdj = ST::SelfDescribingJson.new(TEST_EVENT, { "name" => "ü", "price" => 1.5 })
  def page = ST::Page.new(page_url: "https://e.com/page", referrer: "https://ref/")
  def event_subject = ST::Subject.new.set_user_id("u1").set_timezone("Europe/Paris")

  def tracker_subject(keywords)
    s = ST::Subject.new.set_user_id("u0").set_platform("web").set_lang("en").set_color_depth(24)
                  .set_domain_session_id(SID).set_domain_session_idx(3)
    keywords ? s.set_screen_resolution(width: 1920, height: 1080) : s.set_screen_resolution(1920, 1080)
  end

  # Every call of the gem's 0.8.0 API, written the 0.7/0.8 way.
  def track_keywords(t)
    t.track_page_view(page_url: "https://e.com/", page_title: "Home", referrer: "https://r0/", context: ctx, tstamp: T0 + 1)
    t.track_page_view(page_url: "https://e.com/", page_title: "Home", tstamp: T0 + 2, subject: event_subject, page: page)
    t.track_struct_event(category: "cat", action: "act", label: "l", property: "p", value: 7, context: ctx,
                         tstamp: ST::DeviceTimestamp.new(T0 + 3))
    t.track_struct_event(category: "cat", action: "act2", tstamp: T0 + 4, page: page)
    t.track_screen_view(name: "HUD", id: "s-1", tstamp: T0 + 5, subject: event_subject)
    t.track_self_describing_event(event_json: sdj, context: ctx, tstamp: T0 + 6)
    t.track_unstruct_event(event_json: sdj, tstamp: T0 + 7, context: [])
    t.track_ecommerce_transaction(
      transaction: { order_id: "o-1", total_value: 25, affiliation: "aff", tax_value: 2, shipping: 3, city: "Zürich",
                     state: "ZH", country: "CH", currency: "CHF" },
      items: [{ sku: "a", price: 9, quantity: 2, name: "A", category: "cat", context: ctx }, { sku: "b", price: 7, quantity: 1 }],
      context: tx_ctx, tstamp: T0 + 8, page: page, subject: event_subject
    )
    t.set_useragent("UA/1").set_ip_address("10.0.0.1")
    t.track_struct_event(category: "after", action: "set", tstamp: ST::TrueTimestamp.new(T0 + 9))
    t.flush(async: false)
  end

  # The same calls, the 0.6.1 way (subject: and page: did not exist then: they
  # come after the positions).
  def track_positional(t)
    t.track_page_view("https://e.com/", "Home", "https://r0/", ctx, T0 + 1)
    t.track_page_view("https://e.com/", "Home", nil, nil, T0 + 2, subject: event_subject, page: page)
    t.track_struct_event("cat", "act", "l", "p", 7, ctx, ST::DeviceTimestamp.new(T0 + 3))
    t.track_struct_event("cat", "act2", nil, nil, nil, nil, T0 + 4, page: page)
    t.track_screen_view("HUD", "s-1", nil, T0 + 5, subject: event_subject)
    t.track_self_describing_event(sdj, ctx, T0 + 6)
    t.track_unstruct_event(sdj, [], T0 + 7)
    t.track_ecommerce_transaction(
      { "order_id" => "o-1", "total_value" => 25, "affiliation" => "aff", "tax_value" => 2, "shipping" => 3,
        "city" => "Zürich", "state" => "ZH", "country" => "CH", "currency" => "CHF" },
      [{ "sku" => "a", "price" => 9, "quantity" => 2, "name" => "A", "category" => "cat", "context" => ctx },
       { "sku" => "b", "price" => 7, "quantity" => 1 }],
      tx_ctx, T0 + 8, page: page, subject: event_subject
    )
    t.set_useragent("UA/1").set_ip_address("10.0.0.1")
    t.track_struct_event("after", "set", nil, nil, nil, nil, ST::TrueTimestamp.new(T0 + 9))
    t.flush(false)
  end

  def ue(schema, data) = { "schema" => "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
                           "data" => { "schema" => schema, "data" => data } }

  # What snowplow-tracker 0.8.0 sent (eid, stm and tv aside), in order.
  def expected(namespace)
    common = { "tna" => namespace, "aid" => "app" }
    tx = { "ti_id" => "o-1", "ti_cu" => "CHF", "dtm" => (T0 + 8).to_s }.merge(PAGE, EVENT_SUBJECT, common)
    [
      { "e" => "pv", "url" => "https://e.com/", "page" => "Home", "refr" => "https://r0/", "contexts" => CONTEXTS,
        "dtm" => (T0 + 1).to_s }.merge(TRACKER_SUBJECT, common),
      { "e" => "pv", "url" => "https://e.com/page", "page" => "Home", "refr" => "https://ref/",
        "dtm" => (T0 + 2).to_s }.merge(EVENT_SUBJECT, common),
      { "e" => "se", "se_ca" => "cat", "se_ac" => "act", "se_la" => "l", "se_pr" => "p", "se_va" => "7",
        "contexts" => CONTEXTS, "dtm" => (T0 + 3).to_s }.merge(TRACKER_SUBJECT, common),
      { "e" => "se", "se_ca" => "cat", "se_ac" => "act2", "dtm" => (T0 + 4).to_s }.merge(PAGE, TRACKER_SUBJECT, common),
      { "e" => "ue", "unstruct_event" => ue(SCREEN_VIEW, { "name" => "HUD", "id" => "s-1" }),
        "dtm" => (T0 + 5).to_s }.merge(EVENT_SUBJECT, common),
      { "e" => "ue", "unstruct_event" => ue(TEST_EVENT, { "name" => "ü", "price" => 1.5 }), "contexts" => CONTEXTS,
        "dtm" => (T0 + 6).to_s }.merge(TRACKER_SUBJECT, common),
      { "e" => "ue", "unstruct_event" => ue(TEST_EVENT, { "name" => "ü", "price" => 1.5 }),
        "dtm" => (T0 + 7).to_s }.merge(TRACKER_SUBJECT, common),
      { "e" => "tr", "tr_id" => "o-1", "tr_tt" => "25", "tr_af" => "aff", "tr_tx" => "2", "tr_sh" => "3",
        "tr_ci" => "Zürich", "tr_st" => "ZH", "tr_co" => "CH", "tr_cu" => "CHF",
        "contexts" => [{ "schema" => ENTITY, "data" => { "id" => "tx" } }], "dtm" => (T0 + 8).to_s }.merge(PAGE, EVENT_SUBJECT, common),
      # An item carries its own contexts only, not the transaction's.
      { "e" => "ti", "ti_sk" => "a", "ti_pr" => "9", "ti_qu" => "2", "ti_nm" => "A", "ti_ca" => "cat",
        "contexts" => CONTEXTS }.merge(tx),
      { "e" => "ti", "ti_sk" => "b", "ti_pr" => "7", "ti_qu" => "1" }.merge(tx),
      # A true timestamp: the gem sent ttm alone; dtm (the time of tracking) is
      # sent too here, so it is left out of the comparison.
      { "e" => "se", "se_ca" => "after", "se_ac" => "set", "ttm" => (T0 + 9).to_s, "ua" => "UA/1",
        "ip" => "10.0.0.1" }.merge(TRACKER_SUBJECT, common)
    ]
  end

  def emitter(method, on_success: nil)
    ST::Emitter.new(endpoint: collector.endpoint,
                    options: { method: method, buffer_size: 1, logger: Logger.new(File::NULL), on_success: on_success })
  end

  def received(namespace)
    collector.good.map { |r| r["event"] }.select { |e| e["tna"] == namespace }
  end

  def check_round(method, base64)
    kw = ST::Tracker.new(emitters: emitter(method), subject: tracker_subject(true), namespace: "kw-#{method}",
                         app_id: "app", encode_base64: base64)
    pos = ST::Tracker.new(emitter(method), tracker_subject(false), "pos-#{method}", "app", base64)
    assert_same kw, track_keywords(kw)
    assert_same pos, track_positional(pos)
    collector.wait_for_total(22)
    assert_equal [], collector.bad.map { |r| r["errors"] }
    %W[kw-#{method} pos-#{method}].each do |ns|
      events = received(ns).sort_by { |e| [e["ttm"] || e["dtm"], e["e"] == "tr" ? 0 : 1, e["ti_sk"].to_s] }
      assert_equal 11, events.size, ns
      expected(ns).zip(events).each do |want, got|
        got = got.reject { |k, _| %w[eid stm tv].include?(k) }
        got.delete("dtm") if want.key?("ttm")
        assert_equal want, got, "#{ns}: #{want['e']} #{want['dtm'] || want['ttm']}"
      end
    end
    raw = collector.good.map { |r| r["raw"] }
    ue_keys = raw.select { |r| r["e"] == "ue" }.map { |r| r.keys & %w[ue_px ue_pr] }.uniq
    cx_keys = raw.map { |r| r.keys & %w[cx co] }.reject(&:empty?).uniq
    assert_equal [base64 ? ["ue_px"] : ["ue_pr"]], ue_keys
    assert_equal [base64 ? ["cx"] : ["co"]], cx_keys
    assert_equal(raw.size, raw.map { |r| r["eid"] }.uniq.size, "each event, each item its own eid")
    assert_equal [method.upcase], collector.good.map { |r| r["method"] }.uniq
  end

  def test_get_base64 = check_round("get", true)
  def test_get_plain = check_round("get", false)
  def test_post_base64 = check_round("post", true)
  def test_post_plain = check_round("post", false)

  # The 0.6.1 and 0.7 forms of Emitter.new, AsyncEmitter and flush.
  def test_emitter_forms
    emitters = [
      ST::Emitter.new(collector.endpoint, { method: "post", buffer_size: 2, logger: Logger.new(File::NULL) }),
      ST::Emitter.new(collector.endpoint, method: "get", logger: Logger.new(File::NULL)),
      ST::AsyncEmitter.new(endpoint: collector.endpoint, options: { thread_count: 2, logger: Logger.new(File::NULL) }),
      ST::AsyncEmitter.new(collector.endpoint, { method: "post", logger: Logger.new(File::NULL) })
    ]
    assert_instance_of ST::AsyncEmitter, emitters[2]
    t = ST::Tracker.new(emitters: emitters)
    t.track_struct_event(category: "forms", action: "all")
    assert_same t, t.flush
    assert_equal 4, collector.wait_for_total(4)["good"]
    assert_equal %w[GET GET POST POST], collector.good.map { |r| r["method"] }.sort
    assert_equal [["srv", "rb-#{Snowplow::VERSION}"]], collector.good.map { |r| [r["event"]["p"], r["event"]["tv"]] }.uniq
    assert_same t, t.flush(async: true)
    assert_same t, t.flush(true)
    assert_equal true, t.flush(timeout: 5)
  end

  def test_subject_setters_and_platforms
    s = ST::Subject.new
    assert_equal({ "p" => "srv" }, s.details)
    %w[app web mob pc srv tv cnsl iot].each { |p| assert_equal p, s.set_platform(p).details["p"] }
    s.set_domain_session_id(SID).set_domain_session_idx(4).set_viewport(width: 800, height: 600).set_viewport(640, 480)
    assert_equal({ "p" => "iot", "sid" => SID, "vid" => "4", "vp" => "640x480" }, s.details)
    assert_equal s.details, s.standard_nv_pairs
    t = ST::Tracker.new(emitters: emitter("get"))
    assert_same t, t.set_screen_resolution(width: 10, height: 20).set_domain_session_idx(2).set_user_id("tu")
    t.set_subject(ST::Subject.new.set_user_id("other"))
    t.track_page_view(page_url: "https://e.com/")
    t.flush
    assert_equal [{ "p" => "srv", "uid" => "other" }],
                 received(nil).map { |e| e.slice("p", "uid", "res", "vid") }
  end

  # require "snowplow" keeps working, in the same process.
  def test_snowplow_module_alongside
    require "snowplow"
    e = Snowplow::Emitter.new(collector.endpoint)
    t = Snowplow::Tracker.new(e, nil, "old-module")
    t.track_page_view("https://e.com/", nil, nil, nil, nil, page: Snowplow::Page.new(page_title: "Via page"))
    t.flush
    assert_equal [{ "url" => "https://e.com/", "page" => "Via page" }],
                 received("old-module").map { |ev| ev.slice("url", "page") }
  end
end
