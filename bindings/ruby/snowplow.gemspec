# frozen_string_literal: true

# The Ruby binding as a gem (optional: Debian installs it with CMake, component
# ruby). Builds offline against an installed libsnowplow; see docs/ruby.md.
#
#   cd bindings/ruby
#   (cd ext/snowplow_native && ruby extconf.rb && make)   # or let `gem install` do it
#   gem build snowplow.gemspec && gem install --local libsnowplow-*.gem
header = File.expand_path("../../core/include/snowplow/common.h", __dir__)
version = if File.exist?(header)
            File.read(header)[/SNOWPLOW_VERSION_STRING "([^"]+)"/, 1]
          else
            "0.1.0"
          end

Gem::Specification.new do |s|
  s.name = "libsnowplow"
  s.version = version
  s.summary = "Snowplow event tracker on libsnowplow (the snowplow-tracker 0.6.1 API)"
  s.description = "Tracks Snowplow analytics events from Ruby; batching, HTTP delivery, " \
                  "retries and callbacks run in the C library libsnowplow."
  s.authors = ["libsnowplow maintainers"]
  s.license = "Apache-2.0"
  s.required_ruby_version = ">= 3.0"
  s.require_paths = ["lib"]
  s.files = Dir["lib/**/*.rb"] + Dir["ext/snowplow_native/*.{rb,c,h}"] + ["ruby.i"]
  s.extensions = ["ext/snowplow_native/extconf.rb"]
end
