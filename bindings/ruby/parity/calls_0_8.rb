# The 0.7/0.8 calls (keywords) for the real snowplow-tracker gem and for libsnowplow's SnowplowTracker: run by run.rb.
require "json"
require "stringio"
require "snowplow-tracker"
require "collector_helper"

c = CollectorHelper::Collector.new
out = { "events" => [], "callbacks" => [], "log" => nil }
log = StringIO.new
begin
  ctx = [SnowplowTracker::SelfDescribingJson.new("iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0", { "id" => "c1", "n" => 7, "tags" => %w[a b] })]
  sdj = SnowplowTracker::SelfDescribingJson.new("iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0", { "name" => "ü", "price" => 1.5 })
  [["get", true], ["post", false]].each do |method, b64|
    cbs = out["callbacks"]
    e = SnowplowTracker::Emitter.new(endpoint: c.endpoint, options: { method: method, buffer_size: 1,
      on_success: ->(n) { cbs << ["ok", n] }, on_failure: ->(n, f) { cbs << ["fail", n, f.size] },
      logger: Logger.new(log) })
    s = SnowplowTracker::Subject.new.set_user_id("u0").set_platform("web").set_lang("en")
                 .set_screen_resolution(width: 1920, height: 1080).set_color_depth(24)
                 .set_domain_session_id("3b1a6f0e-0000-4000-8000-000000000001").set_domain_session_idx(3)
    t = SnowplowTracker::Tracker.new(emitters: e, subject: s, namespace: "ns-#{method}", app_id: "app", encode_base64: b64)
    ev_subject = SnowplowTracker::Subject.new.set_user_id("u1").set_timezone("Europe/Paris")
    page = SnowplowTracker::Page.new(page_url: "https://e.com/page", referrer: "https://ref/")
    t.track_page_view(page_url: "https://e.com/", page_title: "Home", referrer: "https://r0/", context: ctx, tstamp: 1_700_000_000_001)
    t.track_page_view(page_url: "https://e.com/", page_title: "Home", tstamp: 1_700_000_000_002, subject: ev_subject, page: page)
    t.track_struct_event(category: "cat", action: "act", label: "l", property: "p", value: 7, context: ctx, tstamp: SnowplowTracker::DeviceTimestamp.new(1_700_000_000_003))
    t.track_struct_event(category: "cat", action: "act2", tstamp: 1_700_000_000_004, page: page)
    t.track_screen_view(name: "HUD", id: "s-1", tstamp: 1_700_000_000_005, subject: ev_subject)
    t.track_self_describing_event(event_json: sdj, context: ctx, tstamp: 1_700_000_000_006)
    t.track_unstruct_event(event_json: sdj, tstamp: 1_700_000_000_007, context: [])
    t.track_ecommerce_transaction(transaction: { order_id: "o-1", total_value: 25, affiliation: "aff", tax_value: 2, shipping: 3, city: "Zürich", state: "ZH", country: "CH", currency: "CHF" },
                                  items: [{ sku: "a", price: 9, quantity: 2, name: "A", category: "cat", context: ctx }, { sku: "b", price: 7, quantity: 1 }],
                                  tstamp: 1_700_000_000_008, page: page, subject: ev_subject)
    t.set_useragent("UA/1").set_ip_address("10.0.0.1")
    t.track_struct_event(category: "after", action: "set", tstamp: 1_700_000_000_009)
    t.track_struct_event(category: "float", action: "v", value: 2.0, tstamp: SnowplowTracker::TrueTimestamp.new(1_700_000_000_010))
    t.track_ecommerce_transaction(transaction: { "order_id" => "o-2", "total_value" => 7.5 }, items: [{ "sku" => "c", "price" => 7.5, "quantity" => 1 }], context: ctx, tstamp: 1_700_000_000_011)
    t.flush(async: false)
  end
  dead = SnowplowTracker::Emitter.new(endpoint: "127.0.0.1:#{CollectorHelper.dead_port}", options: { method: "post",
      on_failure: ->(n, f) { out["callbacks"] << ["dead", n, f.map { |h| h.keys.sort }] }, logger: Logger.new(log) })
  td = SnowplowTracker::Tracker.new(emitters: dead)
  td.track_struct_event(category: "x", action: "y")
  td.flush
  c.wait_for_total(28)
  good = c.good
  out["bad"] = c.bad.map { |r| r["errors"] }
  out["events"] = good.map do |r|
    ev = r["event"].dup
    ev.delete("eid"); ev.delete("stm"); ev.delete("tv")
    ev["_raw_keys"] = r["raw"].keys.sort
    ev["_method"] = r["method"]
    ev
  end
  out["log"] = log.string.lines.map { |l| l.sub(/^.*-- : /, "").gsub(/\d{4,}/, "N").gsub(/"eid"=>"[^"]+"/, "").chomp }.uniq
ensure
  c.stop
end
puts JSON.pretty_generate(out)
