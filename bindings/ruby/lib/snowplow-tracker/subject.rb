# frozen_string_literal: true

module SnowplowTracker
  # The gem's Subject: Snowplow::Subject with the 0.7 names and keyword
  # setters, and the gem's starting platform. Every setter returns the subject.
  class Subject < Snowplow::Subject
    DEFAULT_PLATFORM = "srv"

    # Starts from platform "srv", as the gem's: a subject given to one track
    # call (`subject:`) therefore sends p=srv unless it sets another platform,
    # replacing the tracker subject's.
    def initialize
      super
      set_platform(DEFAULT_PLATFORM)
    end

    # set_screen_resolution(1920, 1080) (0.6.1) or (width: 1920, height: 1080) (0.7).
    def set_screen_resolution(*args, width: nil, height: nil)
      super(*Arguments.pair("set_screen_resolution", args, width, height))
    end

    # set_viewport(800, 600) (0.6.1) or (width: 800, height: 600) (0.7).
    def set_viewport(*args, width: nil, height: nil)
      super(*Arguments.pair("set_viewport", args, width, height))
    end

    # `vid`, the 0.7 name of set_domain_session_index.
    def set_domain_session_idx(vid)
      set_domain_session_index(vid)
    end

    # `fp` is no field of the current tracker protocol: refused, with the
    # fields to use instead (nothing is sent).
    def set_fingerprint(_fingerprint)
      raise ArgumentError, "set_fingerprint: fp (user fingerprint) is not part of the current Snowplow " \
                           "tracker protocol; identify users with set_user_id, set_domain_user_id or " \
                           "set_network_user_id, or send the fingerprint in a context entity"
    end

    # The fields set, by protocol name (the 0.7 name of standard_nv_pairs).
    def details
      standard_nv_pairs
    end
  end
end
