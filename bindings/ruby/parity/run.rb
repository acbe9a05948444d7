# frozen_string_literal: true

# Runs the same calls (calls_0_8.rb or calls_0_6.rb, unchanged) with the real
# snowplow-tracker gem and with libsnowplow's SnowplowTracker, each against a
# fresh local collector, and prints every difference in what the collector
# received (decoded events, eid/stm/tv aside), in the callbacks' arguments and
# in the log lines. The gem is not part of libsnowplow: point --gem at its lib/
# (0.6.1 needs the contracts gem, Debian ruby-contracts).
#
#   ruby bindings/ruby/parity/run.rb --gem /tmp/snowplow-ruby-tracker-0.8.0/lib --calls 0_8 --build build
require "json"
require "open3"
require "optparse"

opts = { calls: "0_8", build: "build" }
OptionParser.new do |o|
  o.on("--gem DIR", "the gem's lib/ directory") { |v| opts[:gem] = v }
  o.on("--calls NAME", "0_8 or 0_6") { |v| opts[:calls] = v }
  o.on("--build DIR", "libsnowplow build tree") { |v| opts[:build] = v }
end.parse!
abort "--gem DIR is required" unless opts[:gem]

ruby_dir = File.expand_path("..", __dir__)
script = File.join(__dir__, "calls_#{opts[:calls]}.rb")
test_dir = File.join(ruby_dir, "test")
runs = {
  "gem" => ["-I", opts[:gem], "-I", test_dir],
  "libsnowplow" => ["-I", File.join(File.expand_path(opts[:build]), "bindings", "ruby"), "-I", File.join(ruby_dir, "lib"),
                    "-I", test_dir]
}
results = runs.to_h do |name, includes|
  out, err, status = Open3.capture3({ "RUBYLIB" => nil }, RbConfig.ruby, *includes, script)
  abort "#{name}: #{err}" unless status.success?
  [name, JSON.parse(out)]
end

def deep_sort(x)
  case x
  when Hash then x.sort.to_h.transform_values { |v| deep_sort(v) }
  when Array then x.map { |v| deep_sort(v) }
  else x
  end
end

gem, ours = results.values_at("gem", "libsnowplow")
puts "events: gem #{gem['events'].size}, libsnowplow #{ours['events'].size}; " \
     "bad: gem #{gem['bad'].size}, libsnowplow #{ours['bad'].size}"
gem["events"].zip(ours["events"]).each_with_index do |(g, o), i|
  g = deep_sort(g || {})
  o = deep_sort(o || {})
  (g.keys | o.keys).each do |k|
    next if g[k] == o[k]

    puts "event #{i} (#{g['e']} #{g['tna']}): #{k}: gem #{g[k].inspect}, libsnowplow #{o[k].inspect}"
  end
end
puts "callbacks: #{gem['callbacks'] == ours['callbacks'] ? 'identical' : "gem #{gem['callbacks']} / libsnowplow #{ours['callbacks']}"}"
if gem["log"]
  # Payload lines hold the fields in another order; a backtrace is the gem's own.
  norm = ->(lines) { lines.reject { |l| l.start_with?("/") }.map { |l| l.start_with?("Payload:") ? "Payload: ..." : l }.uniq }
  (norm.call(gem["log"]) - norm.call(ours["log"])).each { |l| puts "log line only the gem wrote: #{l}" }
  (norm.call(ours["log"]) - norm.call(gem["log"])).each { |l| puts "log line only libsnowplow wrote: #{l}" }
end
