# frozen_string_literal: true

# Builds snowplow_native.so (Snowplow::Native) offline, against an installed
# libsnowplow (pkg-config snowplow, or --with-snowplow-dir=PREFIX /
# --with-snowplow-include=DIR --with-snowplow-lib=DIR).
#
# The C sources are the SWIG wrapper snowplow_ruby_wrap.c and the JSON
# encoder of its fast paths, sp_rb_json.c (mkmf compiles every .c here). A
# packaged gem carries the wrapper; in a source checkout it is generated here
# from bindings/snowplow.i when missing (needs swig 4).
#
#   cd bindings/ruby/ext/snowplow_native && ruby extconf.rb && make
require "mkmf"

def fail_with(message)
  warn "extconf.rb: #{message}"
  exit 1
end

pkg_config("snowplow")
_snowplow_inc, snowplow_lib = dir_config("snowplow")
# A libsnowplow outside the loader's folders (--with-snowplow-dir=PREFIX): the
# extension records where it is, so that it loads without LD_LIBRARY_PATH.
$LDFLAGS << " -Wl,-rpath,#{snowplow_lib}" if snowplow_lib && !snowplow_lib.empty?
fail_with("snowplow/tracker.h not found: install libsnowplow-dev or pass --with-snowplow-include") \
  unless have_header("snowplow/tracker.h")
fail_with("libsnowplow not found: install libsnowplow-dev or pass --with-snowplow-lib") \
  unless have_library("snowplow", "snowplow_tracker_new", "snowplow/tracker.h")

wrapper = File.join(__dir__, "snowplow_ruby_wrap.c")
unless File.exist?(wrapper)
  bindings = File.expand_path("../../..", __dir__) # bindings/ in a source checkout
  interface = File.join(bindings, "snowplow.i")
  fail_with("#{wrapper} is missing and #{interface} is not here to generate it") unless File.exist?(interface)
  swig = find_executable("swig") || find_executable("swig4.0")
  fail_with("swig is needed to generate #{wrapper}") unless swig
  includes = ($INCFLAGS.scan(/-I(\S+)/).flatten + $CPPFLAGS.scan(/-I(\S+)/).flatten).reject { |d| d.include?("$(") }
  headers = File.expand_path("../../core/include", bindings)
  includes << headers if File.directory?(headers)
  command = [swig, "-ruby", "-module", "snowplow::native", "-initname", "snowplow_native",
             "-I#{bindings}", *includes.map { |d| "-I#{d}" }, "-o", wrapper, interface]
  puts command.join(" ")
  fail_with("swig failed") unless system(*command)
end

$CFLAGS << " -fvisibility=hidden -Wno-unused-parameter"
create_makefile("snowplow_native")
