#!/usr/bin/env ruby
# frozen_string_literal: true

# Code written for the snowplow-tracker gem 0.8 (keywords) and 0.6.1
# (positions), run unchanged on libsnowplow through require "snowplow-tracker".
#
#   RUBYLIB=build/bindings/ruby:bindings/ruby/lib ruby examples/ruby/gem_api.rb 127.0.0.1:9090
#
# (tools/collector/snowplow_collector.py --port 9090 is a local collector.)
require "snowplow-tracker"

endpoint = ARGV.fetch(0, "127.0.0.1:9090")
failed = []
emitter = SnowplowTracker::Emitter.new(endpoint: endpoint, options: {
                                         method: "post", buffer_size: 10,
                                         on_success: ->(count) { puts "sent #{count}" },
                                         on_failure: ->(count, events) { failed.concat(events) }
                                       })
tracker = SnowplowTracker::Tracker.new(emitters: emitter, namespace: "examples", app_id: "ruby-gem-api")
tracker.set_user_id("user-42").set_screen_resolution(width: 1920, height: 1080)

visitor = SnowplowTracker::Subject.new.set_user_id("visitor-7").set_platform("web")
tracker.track_page_view(page_url: "https://example.com/", page_title: "Home", subject: visitor,
                        page: SnowplowTracker::Page.new(referrer: "https://search.example/"))
tracker.track_struct_event(category: "shop", action: "add-to-basket", label: "sku-1", value: 2)
tracker.track_self_describing_event(
  event_json: SnowplowTracker::SelfDescribingJson.new("iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
                                                      { targetUrl: "https://example.com/docs" }),
  tstamp: SnowplowTracker::TrueTimestamp.new((Time.now.to_f * 1000).to_i)
)
tracker.track_ecommerce_transaction(transaction: { order_id: "order-1", total_value: 19.98, currency: "EUR" },
                                    items: [{ sku: "sku-1", price: 9.99, quantity: 2, name: "Book" }])
tracker.track_screen_view("Main menu", "menu-1") # a 0.6.1 call, same tracker
tracker.flush
warn "#{failed.size} events failed" unless failed.empty?
