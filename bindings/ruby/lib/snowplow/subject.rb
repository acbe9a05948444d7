# frozen_string_literal: true

module Snowplow
  # Who and where the events are about. Every setter returns the subject, so
  # calls chain: Subject.new.set_user_id("u1").set_lang("en").
  #
  # A subject may be shared by trackers and changed while they track (the C
  # library reads it under a lock). nil or "" clears a string field.
  class Subject
    # Protocol fields readable through #standard_nv_pairs.
    FIELDS = %w[p uid res vp cd tz lang duid tnuid sid vid ip ua].freeze

    def initialize
      @native = Native.subject_new
      ObjectSpace.define_finalizer(self, self.class.releaser(@native))
    end

    # `p`: web, mob, pc, srv, app, tv, cnsl, iot or headset.
    def set_platform(value)
      Native.subject_set_platform(@native, Convert.string(value, "set_platform: value"))
      self
    end

    # `uid`: the business user id.
    def set_user_id(user_id)
      Native.subject_set_user_id(@native, Convert.string(user_id, "set_user_id: user_id"))
      self
    end

    # `res`: screen resolution in pixels.
    def set_screen_resolution(width, height)
      Native.subject_set_screen_resolution(@native, Convert.integer(width, "set_screen_resolution: width"),
                                           Convert.integer(height, "set_screen_resolution: height"))
      self
    end

    # `vp`: viewport in pixels.
    def set_viewport(width, height)
      Native.subject_set_viewport(@native, Convert.integer(width, "set_viewport: width"),
                                  Convert.integer(height, "set_viewport: height"))
      self
    end

    # `cd`: colour depth in bits.
    def set_color_depth(depth)
      Native.subject_set_color_depth(@native, Convert.integer(depth, "set_color_depth: depth"))
      self
    end

    # `tz`: time zone, e.g. "Europe/London".
    def set_timezone(timezone)
      Native.subject_set_timezone(@native, Convert.string(timezone, "set_timezone: timezone"))
      self
    end

    # `lang`: language, e.g. "en-GB".
    def set_lang(lang)
      Native.subject_set_lang(@native, Convert.string(lang, "set_lang: lang"))
      self
    end

    # `duid`: domain user id.
    def set_domain_user_id(duid)
      Native.subject_set_domain_user_id(@native, Convert.string(duid, "set_domain_user_id: duid"))
      self
    end

    # `sid`: domain session id.
    def set_domain_session_id(sid)
      Native.subject_set_domain_session_id(@native, Convert.string(sid, "set_domain_session_id: sid"))
      self
    end

    # `vid`: domain session index.
    def set_domain_session_index(index)
      Native.subject_set_domain_session_index(@native, Convert.integer(index, "set_domain_session_index: index"))
      self
    end

    # `ip`: IP address.
    def set_ip_address(ip)
      Native.subject_set_ip_address(@native, Convert.string(ip, "set_ip_address: ip"))
      self
    end

    # `ua`: user agent.
    def set_useragent(useragent)
      Native.subject_set_useragent(@native, Convert.string(useragent, "set_useragent: useragent"))
      self
    end

    # `tnuid`: network user id.
    def set_network_user_id(nuid)
      Native.subject_set_network_user_id(@native, Convert.string(nuid, "set_network_user_id: nuid"))
      self
    end

    # The fields set, by protocol name ({"uid" => "u1", "res" => "1920x1080"}).
    def standard_nv_pairs
      FIELDS.each_with_object({}) do |field, pairs|
        value = Native.subject_get(@native, field)
        pairs[field] = value.force_encoding(Encoding::UTF_8) if value
      end
    end

    # The C handle (Snowplow::Native), owned by this object.
    attr_reader :native

    def self.releaser(native)
      proc { Native.subject_free(native) }
    end
  end
end
