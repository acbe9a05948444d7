#!/usr/bin/env ruby
# frozen_string_literal: true

# Delivery callbacks, as the snowplow-tracker gem calls them. They run on the
# emitter's dispatcher thread, not on the C sending threads.
#
#   RUBYLIB=build/bindings/ruby:bindings/ruby/lib ruby examples/ruby/callbacks.rb 127.0.0.1:9090
require "snowplow"

endpoint = ARGV.fetch(0, "127.0.0.1:9090")
emitter = Snowplow::AsyncEmitter.new(
  endpoint,
  method: "post", buffer_size: 5, thread_count: 2,
  max_attempts: 3, # give up after three attempts (the default retries until delivered)
  on_success: ->(count) { puts "#{Thread.current.name}: #{count} events sent" },
  on_failure: lambda { |success_count, failed_events|
    ids = failed_events.map { |e| e["eid"] }
    puts "#{success_count} sent before a failure, #{failed_events.size} failed: #{ids.first(3).join(', ')}"
  },
  on_result: ->(result) { puts "  (#{result.kind}, HTTP #{result.status}, will retry: #{result.will_retry?})" }
)
tracker = Snowplow::Tracker.new(emitter)
12.times { |i| tracker.track_struct_event("example", "click", "button-#{i}") }
tracker.flush # returns once every callback above has run
emitter.close
