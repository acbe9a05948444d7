# The 0.6.1 calls (positional) for the real snowplow-tracker gem 0.6.1 and for libsnowplow's SnowplowTracker: run by run.rb.
require "json"
require "snowplow-tracker"
require "collector_helper"

c = CollectorHelper::Collector.new
out = { "events" => [], "callbacks" => [] }
begin
  ctx = [SnowplowTracker::SelfDescribingJson.new("iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0", { "id" => "c1", "n" => 7, "tags" => %w[a b] })]
  sdj = SnowplowTracker::SelfDescribingJson.new("iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0", { "name" => "ü", "price" => 1.5 })
  %w[get post].each do |method|
    cbs = out["callbacks"]
    e = SnowplowTracker::AsyncEmitter.new(c.endpoint, { method: method, buffer_size: 1, thread_count: 1,
      on_success: ->(n) { cbs << ["ok", n] }, on_failure: ->(n, f) { cbs << ["fail", n, f.size] } })
    s = SnowplowTracker::Subject.new.set_user_id("u0").set_platform("mob").set_lang("en")
                 .set_screen_resolution(1920, 1080).set_viewport(800, 600).set_color_depth(24).set_timezone("UTC")
                 .set_domain_user_id("d").set_ip_address("10.0.0.1").set_useragent("UA").set_network_user_id("n")
    t = SnowplowTracker::Tracker.new(e, s, "ns-#{method}", "app", method == "get")
    t.track_page_view("https://e.com/", "Home", "https://r0/", ctx, 1_700_000_000_001)
    t.track_page_view("https://e.com/", nil, nil, nil, 1_700_000_000_002)
    t.track_struct_event("cat", "act", "l", "p", 7, ctx, 1_700_000_000_003)
    t.track_struct_event("cat", "act2", nil, nil, nil, nil, 1_700_000_000_004)
    t.track_screen_view("HUD", "s-1", nil, 1_700_000_000_005)
    t.track_self_describing_event(sdj, ctx, SnowplowTracker::DeviceTimestamp.new(1_700_000_000_006))
    t.track_unstruct_event(sdj, nil, 1_700_000_000_007)
    t.track_ecommerce_transaction({ "order_id" => "o-1", "total_value" => 25, "affiliation" => "aff", "tax_value" => 2, "shipping" => 3, "city" => "Zürich", "state" => "ZH", "country" => "CH", "currency" => "CHF" },
                                  [{ "sku" => "a", "price" => 9, "quantity" => 2, "name" => "A", "category" => "cat", "context" => ctx }, { "sku" => "b", "price" => 7, "quantity" => 1 }],
                                  ctx, 1_700_000_000_008)
    t.set_user_id("u2")
    t.track_struct_event("after", "set", nil, nil, nil, nil, 1_700_000_000_009)
    t.flush(false)
  end
  c.wait_for_total(22)
  out["bad"] = c.bad.map { |r| r["errors"] }
  out["events"] = c.good.map do |r|
    ev = r["event"].dup
    ev.delete("eid"); ev.delete("stm"); ev.delete("tv")
    ev["_raw_keys"] = r["raw"].keys.sort
    ev
  end.sort_by { |e| [e["tna"], e["dtm"].to_s, e["e"], e["ti_sk"].to_s] }
ensure
  c.stop
end
puts JSON.pretty_generate(out)
