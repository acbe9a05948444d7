# frozen_string_literal: true

module Snowplow
  # A timestamp argument of the track methods, in milliseconds since the epoch
  # (as in snowplow-tracker 0.6.1). A plain number passed as `tstamp` is a
  # DeviceTimestamp.
  class Timestamp
    attr_reader :type, :value

    def initialize(type, value)
      @type = type
      @value = value
    end

    # Now, in milliseconds since the epoch (as the gem's Timestamp.create).
    def self.create
      Process.clock_gettime(Process::CLOCK_REALTIME, :millisecond)
    end
  end

  # The true timestamp (`ttm`): when the event really happened, as far as the
  # application knows. The device timestamp (`dtm`) stays the time of tracking.
  class TrueTimestamp < Timestamp
    def initialize(value)
      super("ttm", value)
    end
  end

  # The device created timestamp (`dtm`), instead of the time of tracking.
  class DeviceTimestamp < Timestamp
    def initialize(value)
      super("dtm", value)
    end
  end
end
