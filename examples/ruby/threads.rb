#!/usr/bin/env ruby
# frozen_string_literal: true

# One tracker shared by several Ruby threads.
#
#   RUBYLIB=build/bindings/ruby:bindings/ruby/lib ruby examples/ruby/threads.rb 127.0.0.1:9090
require "snowplow"

endpoint = ARGV.fetch(0, "127.0.0.1:9090")
emitter = Snowplow::AsyncEmitter.new(endpoint, method: "post", buffer_size: 50, thread_count: 2)
tracker = Snowplow::Tracker.new(emitter, nil, "examples")

workers = Array.new(4) do |t|
  Thread.new do
    100.times { |i| tracker.track_page_view("https://example.com/worker-#{t}/page-#{i}") }
  end
end
workers.each(&:join)
tracker.flush(false, timeout: 30)
puts emitter.counters.slice(:tracked, :sent, :failed, :dropped)
# No close needed: at exit, open emitters are closed within Snowplow.close_timeout.
