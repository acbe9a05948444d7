# frozen_string_literal: true

# libsnowplow for Ruby: a Snowplow event tracker whose delivery (queue,
# batching, HTTP, retries) runs in the C library's threads.
#
# The classes and methods follow the snowplow-tracker gem 0.6.1
# (SnowplowTracker::Tracker -> Snowplow::Tracker, ...); see docs/ruby.md.
#
#   require "snowplow"
#   emitter = Snowplow::AsyncEmitter.new("collector.example.com", method: "post",
#                                        on_failure: ->(ok, failed) { warn failed.size })
#   tracker = Snowplow::Tracker.new(emitter, Snowplow::Subject.new.set_user_id("u1"))
#   tracker.track_page_view("https://example.com/", "Home")
#   tracker.flush
require "json"
require "snowplow_native"

require_relative "snowplow/version"
require_relative "snowplow/convert"
require_relative "snowplow/timestamp"
require_relative "snowplow/self_describing_json"
require_relative "snowplow/subject"
require_relative "snowplow/page"
require_relative "snowplow/result"
require_relative "snowplow/emitters"
require_relative "snowplow/tracker"
require_relative "snowplow/shutdown"
