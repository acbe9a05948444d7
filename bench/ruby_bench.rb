#!/usr/bin/env ruby
# frozen_string_literal: true

# Benchmark of the Ruby binding (require "snowplow").
#
# The event: a self-describing event with one context entity, built from
# Hashes and tracked the way an application does it:
#
#   tracker.track_self_describing_event(Snowplow::SelfDescribingJson.new(SCHEMA, data),
#                                       [Snowplow::SelfDescribingJson.new(ENTITY, entity)])
#
# 1. Caller cost: the monotonic clock around each call, --calls calls (default
#    100000); median and p99 in microseconds. The sending threads deliver
#    meanwhile, as in an application.
# 2. End to end: --events events (default 100000, their objects built up front)
#    tracked as fast as possible, then a blocking flush; events per second from
#    the first track until the collector acknowledged every event.
#
#   RUBYLIB=build/bindings/ruby:bindings/ruby/lib ruby bench/ruby_bench.rb --collector http://127.0.0.1:8080
#
# 3. With --pieces: the mean cost of each piece of such a call, each alone in a
#    loop (building the objects, encoding the Hashes in C and with
#    JSON.generate, the one C call of the fast path, the C track of a built
#    event), to see where the time goes.
#
# bench/run.sh starts a loopback sink and passes its URL. Prints a summary and,
# last, one JSON line with every number.
require "json"
require "optparse"
require "snowplow"

SCHEMA = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"

options = { collector: ENV["SNOWPLOW_BENCH_COLLECTOR"], calls: 100_000, events: 100_000, batch_size: 100, threads: 2,
            capacity: 200_000, pieces: false }
OptionParser.new do |o|
  o.banner = "ruby bench/ruby_bench.rb --collector URL [options]"
  o.on("--collector URL", "collector (sink) URL; default $SNOWPLOW_BENCH_COLLECTOR (bench/sink.sh)") { |v| options[:collector] = v }
  o.on("--calls N", Integer, "caller-cost calls (100000)") { |v| options[:calls] = v }
  o.on("--events N", Integer, "end-to-end events (100000)") { |v| options[:events] = v }
  o.on("--batch-size N", Integer, "events per POST (100)") { |v| options[:batch_size] = v }
  o.on("--threads N", Integer, "sending threads (2)") { |v| options[:threads] = v }
  o.on("--capacity N", Integer, "emitter queue capacity in events (200000)") { |v| options[:capacity] = v }
  o.on("--pieces", "also time each piece of the call alone") { options[:pieces] = true }
end.parse!
abort "--collector URL is required" unless options[:collector]

def data(i)
  { "name" => "checkout", "count" => i, "price" => 19.99, "flag" => true, "note" => nil, "text" => "bench ć" }
end

def entity(i)
  { "id" => "session-42", "n" => i, "tags" => %w[a b] }
end

def make_tracker(options)
  emitter = Snowplow::AsyncEmitter.new(options[:collector], method: "post", buffer_size: options[:batch_size],
                                                            thread_count: options[:threads],
                                                            buffer_capacity: options[:capacity])
  [emitter, Snowplow::Tracker.new(emitter, nil, "bench", "ruby-bench")]
end

def now = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)

def caller_cost(options)
  emitter, tracker = make_tracker(options)
  [options[:calls], 2000].min.times do |i| # warm up
    tracker.track_self_describing_event(Snowplow::SelfDescribingJson.new(SCHEMA, data(i)),
                                        [Snowplow::SelfDescribingJson.new(ENTITY, entity(i))])
  end
  tracker.flush
  samples = Array.new(options[:calls])
  options[:calls].times do |i|
    start = now
    tracker.track_self_describing_event(
      Snowplow::SelfDescribingJson.new(SCHEMA, { "name" => "checkout", "count" => i, "price" => 19.99, "flag" => true,
                                                 "note" => nil, "text" => "bench ć" }),
      [Snowplow::SelfDescribingJson.new(ENTITY, { "id" => "session-42", "n" => i, "tags" => %w[a b] })]
    )
    samples[i] = now - start
  end
  tracker.flush
  counters = emitter.counters
  emitter.close
  samples.sort!
  { calls: options[:calls], median_us: samples[samples.size / 2] / 1000.0,
    p99_us: samples[[(samples.size * 0.99).round, samples.size - 1].min] / 1000.0,
    mean_us: samples.sum / samples.size / 1000.0, refused_full: counters[:dropped],
    sent: counters[:sent], failed: counters[:failed] }
end

def end_to_end(options)
  emitter, tracker = make_tracker(options)
  events = Array.new(1000) do |i|
    [Snowplow::SelfDescribingJson.new(SCHEMA, data(i)), [Snowplow::SelfDescribingJson.new(ENTITY, entity(i))]]
  end
  before = emitter.counter(:sent)
  dropped_before = emitter.counter(:dropped)
  start = now
  options[:events].times do |i|
    event, context = events[i % 1000]
    tracker.track_self_describing_event(event, context)
  end
  tracked = now
  tracker.flush
  done = now
  counters = emitter.counters
  emitter.close
  sent = counters[:sent] - before
  { events: options[:events], sent: sent, failed: counters[:failed], refused_full: counters[:dropped] - dropped_before,
    track_seconds: (tracked - start) / 1e9, total_seconds: (done - start) / 1e9,
    track_events_per_s: options[:events] / ((tracked - start) / 1e9), events_per_s: sent / ((done - start) / 1e9) }
end

# Mean microseconds of each piece, each run alone in a loop of --calls.
def pieces(options)
  emitter, tracker = make_tracker(options)
  n = options[:calls]
  time = lambda do |&block|
    GC.start
    start = now
    n.times(&block)
    (now - start) / 1000.0 / n
  end
  d = data(1)
  e = entity(1)
  event = Snowplow::SelfDescribingJson.new(SCHEMA, d)
  context = [Snowplow::SelfDescribingJson.new(ENTITY, e)]
  out = {}
  out[:build_objects_us] = time.call do |i|
    [Snowplow::SelfDescribingJson.new(SCHEMA, data(i)), [Snowplow::SelfDescribingJson.new(ENTITY, entity(i))]]
  end
  out[:json_generate_x2_us] = time.call { JSON.generate(d) && JSON.generate(e) }
  out[:json_encode_c_x2_us] = time.call { Snowplow::Native.json_encode_c(d) && Snowplow::Native.json_encode_c(e) }
  out[:track_fast_c_call_us] = time.call do
    Snowplow::Native.track_self_describing_fast(tracker.native, Snowplow::SelfDescribingJson, event, context, false)
  end
  tracker.flush
  sdj = event.to_native
  ev = Snowplow::Native.event_self_describing_new(sdj)
  Snowplow::Native.sdjson_free(sdj)
  Snowplow::Native.event_add_contexts_fast(ev, Snowplow::SelfDescribingJson, context)
  out[:track_built_event_us] = time.call { Snowplow::Native.track_nogvl(tracker.native, ev, 0) }
  Snowplow::Native.event_free(ev)
  tracker.flush
  emitter.close
  out.transform_values { |v| v.round(3) }
end

parts = options[:pieces] ? pieces(options) : nil
cost = caller_cost(options)
e2e = end_to_end(options)
puts "snowplow #{Snowplow::VERSION}, Ruby #{RUBY_VERSION}"
puts format("caller: track_self_describing_event(+ 1 context, from Hashes): median %.2f us, p99 %.2f us " \
            "over %d calls (%d refused: queue full)", cost[:median_us], cost[:p99_us], cost[:calls], cost[:refused_full])
puts format("end to end: %d events in %.2f s = %.0f events/s (tracking alone %.0f events/s; sent %d, failed %d, " \
            "refused %d)", e2e[:events], e2e[:total_seconds], e2e[:events_per_s], e2e[:track_events_per_s],
            e2e[:sent], e2e[:failed], e2e[:refused_full])
puts "pieces (mean us): #{parts.map { |k, v| "#{k.to_s.delete_suffix('_us')} #{v}" }.join(', ')}" if parts
result = { binding: "ruby", version: Snowplow::VERSION, batch_size: options[:batch_size],
           threads: options[:threads], caller: cost, end_to_end: e2e }
result[:pieces] = parts if parts
puts JSON.generate(result)
