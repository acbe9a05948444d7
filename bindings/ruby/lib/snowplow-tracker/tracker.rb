# frozen_string_literal: true

module SnowplowTracker
  # The gem's Tracker: every method takes the 0.6.1 positional arguments and
  # the 0.7/0.8 keyword arguments, and the keyword-only `subject:` (a Subject
  # for this event, overriding the tracker's field by field) and `page:` (a
  # Page). Returns the tracker, as the gem.
  #
  #   tracker = SnowplowTracker::Tracker.new(emitters: emitter, namespace: "ns", app_id: "shop")
  #   tracker.track_struct_event(category: "shop", action: "buy", value: 2, subject: buyer)
  #   tracker.track_struct_event("shop", "buy", nil, nil, 2)                  # 0.6.1
  class Tracker < Snowplow::Tracker
    # Each track method: its arguments in 0.6.1 order, and the required ones.
    SIGNATURES = {
      track_page_view: [%i[page_url page_title referrer context tstamp], %i[page_url]],
      track_struct_event: [%i[category action label property value context tstamp], %i[category action]],
      track_screen_view: [%i[name id context tstamp], []],
      track_self_describing_event: [%i[event_json context tstamp], %i[event_json]],
      track_unstruct_event: [%i[event_json context tstamp], %i[event_json]],
      track_ecommerce_transaction: [%i[transaction items context tstamp], %i[transaction items]],
      track_page_ping: [%i[page_url page_title referrer min_x max_x min_y max_y context tstamp], %i[page_url]],
      track_link_click: [%i[target_url element_id element_classes element_target element_content context tstamp],
                         %i[target_url]],
      track_add_to_cart: [%i[sku quantity name category unit_price currency context tstamp], %i[sku quantity]],
      track_remove_from_cart: [%i[sku quantity name category unit_price currency context tstamp], %i[sku quantity]],
      track_form_change: [%i[form_id element_id node_name value type element_classes context tstamp],
                          %i[form_id element_id node_name value]],
      track_form_submit: [%i[form_id form_classes elements context tstamp], %i[form_id]],
      track_site_search: [%i[terms filters total_results page_results context tstamp], %i[terms]],
      track_timing: [%i[category variable timing label context tstamp], %i[category variable timing]],
      track_mobile_screen_view: [%i[name id type previous_name previous_id previous_type transition_type
                                    context tstamp], %i[name]]
    }.freeze
    MISSING = Arguments::MISSING
    # The gem wrote tstamp, order_id and currency into the item Hashes it was
    # given: Hashes tracked once may come back with them (they are ignored).
    ITEM_KEYS = (Snowplow::Tracker::ITEM_KEYS + %w[tstamp order_id currency]).freeze
    NEW_ARGUMENTS = %i[emitters subject namespace app_id encode_base64].freeze

    # new(emitters:, subject: nil, namespace: nil, app_id: nil, encode_base64: true)
    # (0.7/0.8) or new(emitters, subject = nil, namespace = nil, app_id = nil,
    # encode_base64 = true) (0.6.1).
    def initialize(*args, **kw)
      v = Arguments.bind("Tracker.new", NEW_ARGUMENTS, [], %i[emitters], args, kw)
      encode_base64 = v[:encode_base64].nil? ? true : v[:encode_base64]
      super(v[:emitters], v[:subject] || Subject.new, v[:namespace], v[:app_id], encode_base64)
    end

    # Each track method is written out as a real `def` with both kinds of
    # parameters (Ruby then reads the keywords itself, as fast as in the gem):
    #
    #   def track_page_view(*args, page_url: MISSING, page_title: nil, ..., subject: nil, page: nil)
    #
    # A call with positions (0.6.1) fills the parameters from `args`, one with
    # keywords (0.7/0.8) from the keywords, a mixed one from both.
    SIGNATURES.each do |name, (positional, required)|
      params = positional.map { |n| "#{n}: #{required.include?(n) ? 'MISSING' : 'nil'}" }
      unset = positional.map { |n| required.include?(n) ? "#{n}.equal?(MISSING)" : "#{n}.nil?" }.join(" && ")
      class_eval <<~RUBY, __FILE__, __LINE__ + 1
        def #{name}(*args, #{params.join(', ')}, subject: nil, page: nil)
          if args.empty?
            Arguments.check_required(:#{name}, #{required.inspect}, [#{required.join(', ')}], MISSING)
            return super(#{positional.join(', ')}, subject: subject, page: page)
          end
          if (#{unset}) && args.size >= #{required.size} && args.size <= #{positional.size}
            return super(*args, subject: subject, page: page)
          end

          super(*Arguments.merge(:#{name}, #{positional.inspect}, #{required.inspect}, args,
                                 [#{positional.join(', ')}], MISSING), subject: subject, page: page)
        end
      RUBY
    end

    # The subject's setters on the tracker's subject (both ways of calling
    # them); each returns the tracker.
    %i[set_platform set_user_id set_fingerprint set_screen_resolution set_viewport set_color_depth
       set_timezone set_lang set_domain_user_id set_domain_session_id set_domain_session_idx
       set_domain_session_index set_ip_address set_useragent set_network_user_id].each do |name|
      define_method(name) do |*args, **kw|
        subject.public_send(name, *args, **kw)
        self
      end
    end

    # flush(async: false) (0.7/0.8) or flush(async = false) (0.6.1): blocking
    # by default; returns the tracker. With `timeout:` (seconds) it returns
    # true when everything was done in time, else false.
    def flush(*args, async: nil, timeout: nil)
      raise ArgumentError, "flush: wrong number of arguments (given #{args.size}, expected 0..1)" if args.size > 1
      raise ArgumentError, "flush: async given both by position and by keyword" if !args.empty? && !async.nil?

      async = args.empty? ? async || false : args[0]
      raise ArgumentError, "flush: async: expected true or false, got #{async.class}" unless [true, false].include?(async)

      done = super(async, timeout: timeout)
      timeout.nil? ? self : done
    end

    private

    # As the gem: an item's `ti` event carries the item's own contexts only.
    def items_share_contexts?
      false
    end
  end
end
