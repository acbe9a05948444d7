# frozen_string_literal: true

module Snowplow
  # Version of the Ruby binding: the same as the C library it was built with.
  VERSION = Native::VERSION_STRING
  # Sent as `tv` with every event.
  TRACKER_VERSION = "rb-#{VERSION}"

  # Version of the C library loaded at run time ("0.1.0").
  def self.library_version
    Native.version
  end
end
