# frozen_string_literal: true

# The Ruby binding as a gem (Debian installs it with CMake, component ruby, as
# ruby-snowplow). Builds offline against an installed libsnowplow; see docs/ruby.md.
#
#   cd bindings/ruby && gem build snowplow.gemspec
#   gem install --local libsnowplow-VERSION.gem     # compiles the extension
#
# `gem build` always packs a buildable extension: in a source checkout it
# (re)generates the SWIG wrapper ext/snowplow_native/snowplow_ruby_wrap.c
# when it is missing or older than its inputs (needs swig 4), so installing the
# gem needs a C compiler and libsnowplow-dev, not swig.
bindings = File.expand_path("..", __dir__)
headers = File.expand_path("../core/include", bindings)
ext = File.join(__dir__, "ext", "snowplow_native")
wrapper = File.join(ext, "snowplow_ruby_wrap.c")
interface = File.join(bindings, "snowplow.i")
header = File.join(headers, "snowplow", "common.h")

# Only when building a gem (`gem build`, or SNOWPLOW_GEMSPEC_SWIG=1): merely
# loading this file (tests, debian/rubygems-spec.rb) writes nothing.
building = defined?(Gem::Commands::BuildCommand) || ENV["SNOWPLOW_GEMSPEC_SWIG"] == "1"
if building && File.exist?(interface)
  inputs = [interface, File.join(__dir__, "ruby.i")] + Dir[File.join(headers, "**", "*.h")]
  if !File.exist?(wrapper) || inputs.any? { |f| File.mtime(f) > File.mtime(wrapper) }
    command = ["swig", "-ruby", "-module", "snowplow::native", "-initname", "snowplow_native",
               "-I#{bindings}", "-I#{headers}", "-o", wrapper, interface]
    system(*command) or raise "snowplow.gemspec: #{command.join(' ')} failed (is swig 4 installed?)"
  end
end

raise "snowplow.gemspec: #{header} is missing: build the gem from a source checkout" unless File.exist?(header)

version = File.read(header)[/SNOWPLOW_VERSION_STRING "([^"]+)"/, 1]

Gem::Specification.new do |s|
  s.name = "libsnowplow"
  s.version = version
  s.summary = "Snowplow event tracker on libsnowplow (the snowplow-tracker 0.6.1 API)"
  s.description = "Tracks Snowplow analytics events from Ruby; batching, HTTP delivery, " \
                  "retries and callbacks run in the C library libsnowplow."
  s.authors = ["libsnowplow maintainers"]
  s.homepage = "https://libsnowplow.invalid/"
  s.license = "Apache-2.0"
  s.required_ruby_version = ">= 3.0"
  s.require_paths = ["lib"]
  s.files = Dir.chdir(__dir__) do
    Dir["lib/**/*.rb"] + Dir["ext/snowplow_native/*.{rb,c,h}"]
  end
  s.extensions = ["ext/snowplow_native/extconf.rb"]
  s.requirements = ["libsnowplow (the C library and its headers: libsnowplow-dev)", "a C compiler"]
end
