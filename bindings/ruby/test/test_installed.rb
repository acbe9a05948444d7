# frozen_string_literal: true

# What `cmake --install` (components runtime and ruby) and the gemspec put in
# place: `require "snowplow-tracker"` and `require "snowplow"` load from the
# installed tree, with nothing from the source or build tree on the path, and
# deliver an event.
require "minitest/autorun"
require "rbconfig"
require "tmpdir"
require "collector_helper"

class TestInstalled < Minitest::Test
  SOURCE = File.expand_path("..", __dir__)

  def test_cmake_install_loads_both_modules
    build = ENV["SNOWPLOW_BUILD_DIR"] or skip "SNOWPLOW_BUILD_DIR not set (run through CTest)"
    cmake = ENV.fetch("SNOWPLOW_CMAKE", "cmake")
    collector = CollectorHelper.collector
    Dir.mktmpdir("snowplow-rb-install") do |prefix|
      %w[runtime ruby].each do |component|
        assert system(cmake, "--install", build, "--component", component, "--prefix", prefix,
                      out: File::NULL), "cmake --install --component #{component}"
      end
      lib = Dir.glob("#{prefix}/**/snowplow-tracker.rb").first
      ext = Dir.glob("#{prefix}/**/snowplow_native.so").first
      so = Dir.glob("#{prefix}/**/libsnowplow.so.0").first
      refute_nil lib, "snowplow-tracker.rb installed"
      refute_nil ext
      refute_nil so
      assert File.file?(File.join(File.dirname(lib), "snowplow-tracker", "tracker.rb"))
      script = <<~RUBY
        require "snowplow-tracker"
        require "snowplow"
        raise "loaded from #{'#{$LOADED_FEATURES.grep(/snowplow/).reject { |f| f.start_with?(ARGV[0]) }}'}" unless
          $LOADED_FEATURES.grep(/snowplow/).all? { |f| f.start_with?(ARGV[0]) }
        e = SnowplowTracker::Emitter.new(endpoint: ARGV[1], options: { logger: Logger.new(File::NULL) })
        SnowplowTracker::Tracker.new(emitters: e, namespace: "installed").track_page_view(page_url: "https://e.com/").flush
      RUBY
      env = { "RUBYLIB" => nil, "LD_LIBRARY_PATH" => File.dirname(so) }
      assert system(env, RbConfig.ruby, "--disable-gems", "-I", File.dirname(lib), "-I", File.dirname(ext),
                    "-e", script, prefix, collector.endpoint), "the installed modules load and track"
      collector.wait_for_total(1)
      assert_equal ["installed"], collector.good.map { |r| r["event"]["tna"] }
    end
  end

  def test_gemspec_ships_the_drop_in
    spec = Dir.chdir(SOURCE) { Gem::Specification.load("snowplow.gemspec") }
    %w[lib/snowplow-tracker.rb lib/snowplow-tracker/tracker.rb lib/snowplow-tracker/emitters.rb
       lib/snowplow-tracker/subject.rb lib/snowplow-tracker/arguments.rb lib/snowplow-tracker/version.rb
       lib/snowplow/page.rb].each { |f| assert_includes spec.files, f }
    assert_includes spec.require_paths, "lib"
  end
end
