# frozen_string_literal: true

module SnowplowTracker
  # The snowplow-tracker gem API this module follows (0.6.1 and 0.7/0.8 calls).
  VERSION = "0.8.0"
  # Sent as `tv`: libsnowplow's Ruby binding ("rb-" and the library version),
  # not the gem's, so that the pipeline can tell the trackers apart.
  TRACKER_VERSION = Snowplow::TRACKER_VERSION

  # The classes the two APIs share with the Snowplow module unchanged.
  SelfDescribingJson = Snowplow::SelfDescribingJson
  Timestamp = Snowplow::Timestamp
  TrueTimestamp = Snowplow::TrueTimestamp
  DeviceTimestamp = Snowplow::DeviceTimestamp
  Page = Snowplow::Page

  # Where emitters log when not given a `logger:` (as the gem: standard error,
  # level INFO; set LOGGER.level to log less).
  LOGGER = Logger.new($stderr)
  LOGGER.level = Logger::INFO
end
