#!/usr/bin/env ruby
# frozen_string_literal: true

# Caller cost of the snowplow-tracker gem's API (require "snowplow-tracker"):
# the same self-describing event with one context, tracked
#   kw   SnowplowTracker, 0.8 keywords: track_self_describing_event(event_json:, context:)
#   pos  SnowplowTracker, 0.6.1 positions: track_self_describing_event(json, context)
#   base Snowplow (require "snowplow"), positions
# each --calls times (default 50000) in its own tracker and POST emitter
# (buffer_size 100), the monotonic clock around each call; median and p99 in
# microseconds, and kw/base, the cost of reading keywords.
#
# With --gem DIR (the real gem's lib/, not part of libsnowplow) the same
# keyword calls run through the gem too, in a child process: its Emitter sends
# on the caller's thread when its buffer is full, so its p99 holds the HTTP
# request.
#
#   bench/sink.sh env RUBYLIB=build/bindings/ruby:bindings/ruby/lib ruby bench/ruby_gem_api_bench.rb
require "json"
require "optparse"
require "logger"

options = { collector: ENV["SNOWPLOW_BENCH_COLLECTOR"], calls: 50_000, gem: nil, only: nil }
OptionParser.new do |o|
  o.on("--collector URL", "collector (sink) URL; default $SNOWPLOW_BENCH_COLLECTOR (bench/sink.sh)") { |v| options[:collector] = v }
  o.on("--calls N", Integer, "calls per case (50000)") { |v| options[:calls] = v }
  o.on("--gem DIR", "also the real gem, from DIR (its lib/)") { |v| options[:gem] = v }
  o.on("--only CASE", "run one case and print its JSON (used for the gem's child process)") { |v| options[:only] = v }
end.parse!
abort "no collector: --collector URL or bench/sink.sh" unless options[:collector]

require "uri"
uri = URI.parse(options[:collector])
endpoint = "#{uri.host}:#{uri.port}"
SCHEMA = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"

def measure(calls)
  times = Array.new(calls)
  calls.times do |i|
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
    yield i
    times[i] = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond) - t0
  end
  times.sort!
  { "median_us" => (times[calls / 2] / 1000.0).round(2), "p99_us" => (times[(calls * 0.99).floor] / 1000.0).round(2) }
end

def gem_tracker(endpoint)
  quiet = Logger.new(File::NULL)
  e = SnowplowTracker::Emitter.new(endpoint: endpoint, options: { method: "post", buffer_size: 100, logger: quiet })
  SnowplowTracker::Tracker.new(emitters: e, namespace: "bench")
end

def run_case(name, endpoint, calls)
  data = ->(i) { SnowplowTracker::SelfDescribingJson.new(SCHEMA, { "name" => "n", "count" => i }) }
  ctx = ->(i) { [SnowplowTracker::SelfDescribingJson.new(ENTITY, { "id" => "e#{i}" })] }
  case name
  when "kw", "gem"
    t = gem_tracker(endpoint)
    r = measure(calls) { |i| t.track_self_describing_event(event_json: data.(i), context: ctx.(i)) }
    t.flush
  when "pos"
    t = gem_tracker(endpoint)
    r = measure(calls) { |i| t.track_self_describing_event(data.(i), ctx.(i)) }
    t.flush
  when "base"
    t = Snowplow::Tracker.new(Snowplow::Emitter.new(endpoint, method: "post", buffer_size: 100), nil, "bench")
    r = measure(calls) { |i| t.track_self_describing_event(data.(i), ctx.(i)) }
    t.flush
  end
  r
end

if options[:only]
  require "snowplow-tracker"
  puts JSON.generate(run_case(options[:only], endpoint, options[:calls]))
  exit
end

require "snowplow-tracker"
results = {}
%w[kw pos base].each do |name|
  results[name] = run_case(name, endpoint, options[:calls])
  puts format("%-5s median %6.2f us  p99 %7.2f us", name, results[name]["median_us"], results[name]["p99_us"])
end
if options[:gem]
  out = IO.popen({ "RUBYLIB" => nil }, [RbConfig.ruby, "-I", options[:gem], __FILE__, "--only", "gem",
                                         "--collector", options[:collector], "--calls", options[:calls].to_s], &:read)
  results["gem"] = JSON.parse(out.lines.last)
  puts format("%-5s median %6.2f us  p99 %7.2f us  (the gem itself)", "gem", results["gem"]["median_us"], results["gem"]["p99_us"])
end
results["kw_over_base_median"] = (results["kw"]["median_us"] / results["base"]["median_us"]).round(2)
puts "kw/base median: #{results['kw_over_base_median']}"
puts JSON.generate(results)
