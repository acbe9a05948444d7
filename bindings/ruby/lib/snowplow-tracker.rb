# frozen_string_literal: true

# A drop-in for the snowplow-tracker gem (module SnowplowTracker) on
# libsnowplow: code written for the gem's 0.6.1 API (positional arguments)
# and for its 0.7 and 0.8 API (keyword arguments) runs unchanged, through one
# set of classes. Delivery runs in the C library's threads, without retries
# unless asked for (the gem never retried). See docs/ruby.md.
#
#   require "snowplow-tracker"
#   emitter = SnowplowTracker::Emitter.new(endpoint: "collector.example.com", options: { method: "post" })
#   tracker = SnowplowTracker::Tracker.new(emitters: emitter, namespace: "shop", app_id: "web")
#   tracker.track_page_view(page_url: "https://example.com", page_title: "Home")
#   tracker.flush
require "logger"
require "snowplow"

require_relative "snowplow-tracker/version"
require_relative "snowplow-tracker/arguments"
require_relative "snowplow-tracker/subject"
require_relative "snowplow-tracker/emitters"
require_relative "snowplow-tracker/tracker"
