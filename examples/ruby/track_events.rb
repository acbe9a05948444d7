#!/usr/bin/env ruby
# frozen_string_literal: true

# Tracks one event of each kind and waits until the collector has them.
#
#   RUBYLIB=build/bindings/ruby:bindings/ruby/lib ruby examples/ruby/track_events.rb 127.0.0.1:9090
#
# (tools/collector/snowplow_collector.py --port 9090 is a local collector.)
require "snowplow"

endpoint = ARGV.fetch(0, "127.0.0.1:9090")
emitter = Snowplow::Emitter.new(endpoint, method: "post", buffer_size: 10)
subject = Snowplow::Subject.new.set_user_id("user-42").set_lang("en-GB").set_screen_resolution(1920, 1080)
tracker = Snowplow::Tracker.new(emitter, subject, "examples", "ruby-example")

session = Snowplow::SelfDescribingJson.new("iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2",
                                           { "userId" => "6a5d1e0c-0a6f-4d6b-9f34-0f7c3e1b2a11",
                                             "sessionId" => "8b2c7d3e-1f4a-4b5c-9d6e-7f8091a2b3c4",
                                             "sessionIndex" => 1, "previousSessionId" => nil,
                                             "storageMechanism" => "SQLITE" })

tracker.track_page_view("https://example.com/", "Home", nil, [session])
tracker.track_struct_event("shop", "add-to-basket", "sku-1", "pcs", 2)
tracker.track_screen_view("Main menu", "menu-1")
tracker.track_link_click("https://example.com/docs", "docs-link", %w[nav])
tracker.track_site_search(%w[snow plow], { "category" => "books" }, 42, 10)
tracker.track_timing("load", "dom-ready", 123)
tracker.track_ecommerce_transaction({ "order_id" => "order-1", "total_value" => 19.98, "currency" => "EUR" },
                                    [{ "sku" => "sku-1", "price" => 9.99, "quantity" => 2, "name" => "Book" }],
                                    nil, Snowplow::TrueTimestamp.new((Time.now.to_f * 1000).to_i))

if tracker.flush(false, timeout: 10)
  puts "delivered: #{emitter.counters.slice(:tracked, :sent, :failed)}"
else
  puts "not everything was delivered within 10 s: #{emitter.counters}"
end
