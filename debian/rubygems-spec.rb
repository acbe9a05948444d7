# Writes the gem specification that rubygems-integration reads for
# ruby-snowplow (so that `gem list` and `gem "libsnowplow"` see the package),
# from the binding's gemspec: the files are in Ruby's vendor folders, not in a
# gem folder, so the spec lists none and builds no extension.
#   ruby debian/rubygems-spec.rb bindings/ruby/snowplow.gemspec > NAME-VERSION.gemspec
require "rubygems"

path = ARGV.fetch(0)
spec = Dir.chdir(File.dirname(path)) { Gem::Specification.load(File.basename(path)) }
abort "cannot load #{path}" unless spec
spec.files = []
spec.extensions = []
spec.test_files = []
spec.executables = []
puts spec.to_ruby
