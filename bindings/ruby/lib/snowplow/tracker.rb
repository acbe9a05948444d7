# frozen_string_literal: true

module Snowplow
  # Turns events into protocol payloads and queues them on its emitters.
  #
  #   tracker = Snowplow::Tracker.new(emitter, subject, "namespace", "app-id")
  #   tracker.track_struct_event("shop", "add-to-basket", "book", "pcs", 2)
  #
  # As in snowplow-tracker 0.6.1: `context` is an Array of
  # SelfDescribingJson entities, `tstamp` a number of milliseconds (the
  # device timestamp) or a TrueTimestamp / DeviceTimestamp, and every track
  # method returns the tracker. As in 0.7, every track method also takes
  # `subject:` (a Subject for this event, whose fields override the
  # tracker's) and `page:` (a Page: url, title and referrer sent with the
  # event). Bad input raises ArgumentError with the C
  # library's message and queues nothing. Tracking never waits for the network.
  # A tracker may be used by many threads at once.
  class Tracker
    # The platform (`p`) when the subject sets none, as in the 0.6.1 gem.
    DEFAULT_PLATFORM = "srv"

    TRANSACTION_KEYS = %w[order_id total_value affiliation tax_value shipping city state country currency].freeze
    ITEM_KEYS = %w[sku price quantity name category context].freeze

    attr_reader :subject, :emitters

    def initialize(emitters, subject = nil, namespace = nil, app_id = nil, encode_base64 = true)
      @emitters = Array(emitters)
      raise ArgumentError, "Tracker: emitters: at least one emitter is required" if @emitters.empty?

      @emitters.each_with_index do |e, i|
        raise ArgumentError, "Tracker: emitters[#{i}]: expected a Snowplow::Emitter, got #{e.class}" unless e.is_a?(Emitter)
      end
      raise ArgumentError, "Tracker: subject: expected a Snowplow::Subject, got #{subject.class}" unless subject.nil? || subject.is_a?(Subject)
      raise ArgumentError, "Tracker: encode_base64: expected true or false" unless [true, false].include?(encode_base64)

      @subject = subject || Subject.new
      @namespace = Convert.string(namespace, "Tracker: namespace")
      @app_id = Convert.string(app_id, "Tracker: app_id")
      @encode_base64 = encode_base64
      # Every C tracker built (add_emitter builds a new one); freed together
      # when this object goes, so that a thread still tracking through an
      # older one never sees it freed.
      @natives = []
      ObjectSpace.define_finalizer(self, self.class.releaser(@natives))
      rebuild
    end

    # The subject's setters, called on the tracker's subject; each returns the
    # tracker (0.6.1).
    %i[set_platform set_user_id set_screen_resolution set_viewport set_color_depth set_timezone
       set_lang set_domain_user_id set_domain_session_id set_domain_session_index set_ip_address
       set_useragent set_network_user_id].each do |name|
      define_method(name) do |*args|
        @subject.public_send(name, *args)
        self
      end
    end

    # Use another subject for the events tracked from now on.
    def set_subject(subject)
      raise ArgumentError, "set_subject: subject: expected a Snowplow::Subject, got #{subject.class}" unless subject.is_a?(Subject)

      Native.tracker_set_subject(@native, subject.native)
      @subject = subject
      self
    end

    # Send every later event to this emitter too.
    def add_emitter(emitter)
      raise ArgumentError, "add_emitter: emitter: expected a Snowplow::Emitter, got #{emitter.class}" unless emitter.is_a?(Emitter)

      @emitters = @emitters + [emitter]
      rebuild
      self
    end

    # Flush every emitter. Blocking by default (0.6.1): returns when every
    # event tracked before is delivered or failed for good and its callbacks
    # have run, or when `timeout` seconds have passed (then false).
    def flush(async = false, timeout: nil)
      deadline = timeout && Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
      @emitters.map do |e|
        left = deadline && [deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC), 0].max
        e.flush(async, timeout: left)
      end.all?
    end

    # ---- the 0.6.1 events --------------------------------------------------

    def track_page_view(page_url, page_title = nil, referrer = nil, context = nil, tstamp = nil,
                        subject: nil, page: nil)
      page_url, page_title, referrer = page_arg(page).merge(page_url, page_title, referrer) if page
      emit(Native.event_page_view_new(str(page_url, "page_url"), str(page_title, "page_title"),
                                      str(referrer, "referrer")), context, tstamp, subject, page)
    end

    def track_struct_event(category, action, label = nil, property = nil, value = nil, context = nil, tstamp = nil,
                           subject: nil, page: nil)
      emit(Native.event_structured_new(str(category, "category"), str(action, "action"),
                                       str(label, "label"), str(property, "property")),
           context, tstamp, subject, page) do |ev|
        Native.event_set_double(ev, "value", Convert.number(value, "track_struct_event: value")) unless value.nil?
      end
    end

    def track_screen_view(name = nil, id = nil, context = nil, tstamp = nil, subject: nil, page: nil)
      emit(Native.event_screen_view_new(str(name, "name"), str(id, "id")), context, tstamp, subject, page)
    end

    def track_self_describing_event(event_json, context = nil, tstamp = nil, subject: nil, page: nil)
      # Usually one C call encodes, builds and tracks it all; it declines
      # (having done nothing) whatever it cannot do exactly as below.
      return self if tstamp.nil? && subject.nil? && page.nil? &&
                     Native.track_self_describing_fast(@native, SelfDescribingJson, event_json, context, @blocking)
      unless event_json.is_a?(SelfDescribingJson)
        raise ArgumentError, "track_self_describing_event: event_json: expected a Snowplow::SelfDescribingJson, " \
                             "got #{event_json.class}"
      end

      sdj = event_json.to_native
      begin
        ev = Native.event_self_describing_new(sdj)
      ensure
        Native.sdjson_free(sdj) # the event holds its own reference
      end
      emit(ev, context, tstamp, subject, page)
    end

    # The 0.6.1 name of track_self_describing_event.
    def track_unstruct_event(event_json, context = nil, tstamp = nil, subject: nil, page: nil)
      track_self_describing_event(event_json, context, tstamp, subject: subject, page: page)
    end

    # transaction: {"order_id" =>, "total_value" =>, "affiliation", "tax_value",
    # "shipping", "city", "state", "country", "currency"}; items: [{"sku" =>,
    # "price" =>, "quantity" =>, "name", "category"}]. Keys may be Strings or
    # Symbols. Items share the transaction's contexts and timestamps; an item's
    # own "context" (an Array of SelfDescribingJson) is sent after them.
    def track_ecommerce_transaction(transaction, items, context = nil, tstamp = nil, subject: nil, page: nil)
      tr = hash_arg(transaction, "transaction", TRANSACTION_KEYS)
      %w[order_id total_value].each do |k|
        raise ArgumentError, "track_ecommerce_transaction: transaction: #{k} is required" if tr[k].nil?
      end
      raise ArgumentError, "track_ecommerce_transaction: items: expected an Array" unless items.is_a?(Array)

      item_hashes = items.each_with_index.map { |item, i| hash_arg(item, "items[#{i}]", self.class::ITEM_KEYS) }
      ev = Native.event_ecommerce_transaction_new(str(tr["order_id"], "order_id"),
                                                  Convert.number(tr["total_value"], "track_ecommerce_transaction: total_value"))
      emit(ev, context, tstamp, subject, page) do
        %w[affiliation city state country currency].each do |k|
          Native.event_set_string(ev, k, str(tr[k], k)) unless tr[k].nil?
        end
        %w[tax_value shipping].each do |k|
          Native.event_set_double(ev, k, Convert.number(tr[k], "track_ecommerce_transaction: #{k}")) unless tr[k].nil?
        end
        item_hashes.each_with_index { |item, i| add_item(ev, item, i) }
        Native.event_set_items_share_contexts(ev, 0) unless items_share_contexts?
      end
    end

    # ---- further events (the Python tracker's set) --------------------------

    def track_page_ping(page_url, page_title = nil, referrer = nil, min_x = nil, max_x = nil, min_y = nil,
                        max_y = nil, context = nil, tstamp = nil, subject: nil, page: nil)
      page_url, page_title, referrer = page_arg(page).merge(page_url, page_title, referrer) if page
      emit(Native.event_page_ping_new(str(page_url, "page_url"), str(page_title, "page_title"),
                                      str(referrer, "referrer")), context, tstamp, subject, page) do |ev|
        { "min_x" => min_x, "max_x" => max_x, "min_y" => min_y, "max_y" => max_y }.each do |k, v|
          Native.event_set_int(ev, k, Convert.integer(v, "track_page_ping: #{k}")) unless v.nil?
        end
      end
    end

    def track_link_click(target_url, element_id = nil, element_classes = nil, element_target = nil,
                         element_content = nil, context = nil, tstamp = nil, subject: nil, page: nil)
      classes = Convert.strings(element_classes, "track_link_click: element_classes")
      emit(Native.event_link_click_new(str(target_url, "target_url")), context, tstamp, subject, page) do |ev|
        set_strings(ev, "element_id" => element_id, "element_target" => element_target,
                        "element_content" => element_content)
        classes&.each { |c| Native.event_add_string(ev, "element_classes", c) }
      end
    end

    def track_add_to_cart(sku, quantity, name = nil, category = nil, unit_price = nil, currency = nil,
                          context = nil, tstamp = nil, subject: nil, page: nil)
      cart_event(:event_add_to_cart_new, "track_add_to_cart", sku, quantity, name, category, unit_price,
                 currency, context, tstamp, subject, page)
    end

    def track_remove_from_cart(sku, quantity, name = nil, category = nil, unit_price = nil, currency = nil,
                               context = nil, tstamp = nil, subject: nil, page: nil)
      cart_event(:event_remove_from_cart_new, "track_remove_from_cart", sku, quantity, name, category,
                 unit_price, currency, context, tstamp, subject, page)
    end

    # node_name: "INPUT", "TEXTAREA" or "SELECT"; value nil is sent as null.
    def track_form_change(form_id, element_id, node_name, value, type = nil, element_classes = nil,
                          context = nil, tstamp = nil, subject: nil, page: nil)
      classes = Convert.strings(element_classes, "track_form_change: element_classes")
      emit(Native.event_form_change_new(str(form_id, "form_id"), str(element_id, "element_id"),
                                        str(node_name, "node_name"), str(value, "value")), context, tstamp, subject, page) do |ev|
        set_strings(ev, "type" => type)
        classes&.each { |c| Native.event_add_string(ev, "element_classes", c) }
      end
    end

    # elements: [{"name" =>, "value" =>, "nodeName" =>, "type" =>}, ...]
    def track_form_submit(form_id, form_classes = nil, elements = nil, context = nil, tstamp = nil,
                          subject: nil, page: nil)
      classes = Convert.strings(form_classes, "track_form_submit: form_classes")
      emit(Native.event_form_submit_new(str(form_id, "form_id")), context, tstamp, subject, page) do |ev|
        classes&.each { |c| Native.event_add_string(ev, "form_classes", c) }
        Native.event_set_json(ev, "elements", Convert.json(elements, "track_form_submit: elements")) unless elements.nil?
      end
    end

    # terms: Array of Strings; filters: {"name" => String or true/false}.
    def track_site_search(terms, filters = nil, total_results = nil, page_results = nil, context = nil, tstamp = nil,
                          subject: nil, page: nil)
      list = Convert.strings(terms, "track_site_search: terms") ||
             raise(ArgumentError, "track_site_search: terms: required")
      emit(Native.event_site_search_new(list), context, tstamp, subject, page) do |ev|
        Native.event_set_json(ev, "filters", Convert.json(filters, "track_site_search: filters")) unless filters.nil?
        { "total_results" => total_results, "page_results" => page_results }.each do |k, v|
          Native.event_set_int(ev, k, Convert.integer(v, "track_site_search: #{k}")) unless v.nil?
        end
      end
    end

    # timing: usually milliseconds.
    def track_timing(category, variable, timing, label = nil, context = nil, tstamp = nil, subject: nil, page: nil)
      emit(Native.event_timing_new(str(category, "category"), str(variable, "variable"),
                                   Convert.number(timing, "track_timing: timing")), context, tstamp, subject, page) do |ev|
        set_strings(ev, "label" => label)
      end
    end

    # The mobile screen view (schema mobile/screen_view/1-0-0); id is a UUID,
    # made up when nil.
    def track_mobile_screen_view(name, id = nil, type = nil, previous_name = nil, previous_id = nil,
                                 previous_type = nil, transition_type = nil, context = nil, tstamp = nil,
                                 subject: nil, page: nil)
      emit(Native.event_mobile_screen_view_new(str(name, "name"), str(id, "id")),
           context, tstamp, subject, page) do |ev|
        set_strings(ev, "type" => type, "previous_name" => previous_name, "previous_id" => previous_id,
                        "previous_type" => previous_type, "transition_type" => transition_type)
      end
    end

    # The C handle (Snowplow::Native) in use.
    attr_reader :native

    def self.releaser(natives)
      proc { natives.each { |n| Native.tracker_free(n) } }
    end

    private

    def rebuild
      opts = Native.tracker_options_new
      begin
        Native.tracker_options_set_namespace(opts, @namespace) if @namespace
        Native.tracker_options_set_app_id(opts, @app_id) if @app_id
        Native.tracker_options_set_platform(opts, DEFAULT_PLATFORM)
        Native.tracker_options_set_encode_base64(opts, @encode_base64 ? 1 : 0)
        Native.tracker_options_set_tracker_version(opts, TRACKER_VERSION)
        Native.tracker_options_set_subject(opts, @subject.native)
        @emitters.each { |e| Native.tracker_options_add_emitter(opts, e.native) }
      rescue StandardError
        Native.tracker_options_free(opts)
        raise
      end
      native = Native.tracker_new(opts)
      @natives << native
      @blocking = @emitters.any?(&:blocking_track?)
      @native = native
    end

    def str(value, name)
      Convert.string(value, name)
    end

    def set_strings(ev, fields)
      fields.each { |k, v| Native.event_set_string(ev, k, str(v, k)) unless v.nil? }
    end

    def cart_event(constructor, fn, sku, quantity, name, category, unit_price, currency, context, tstamp, subject, page)
      emit(Native.public_send(constructor, str(sku, "sku"), Convert.number(quantity, "#{fn}: quantity")),
           context, tstamp, subject, page) do |ev|
        set_strings(ev, "name" => name, "category" => category, "currency" => currency)
        Native.event_set_double(ev, "unit_price", Convert.number(unit_price, "#{fn}: unit_price")) unless unit_price.nil?
      end
    end

    # Items carry the transaction's contexts before their own (the gem's
    # SnowplowTracker sends an item's own alone).
    def items_share_contexts?
      true
    end

    def hash_arg(value, name, keys)
      raise ArgumentError, "track_ecommerce_transaction: #{name}: expected a Hash, got #{value.class}" unless value.is_a?(Hash)

      h = value.transform_keys(&:to_s)
      unknown = h.keys - keys
      raise ArgumentError, "track_ecommerce_transaction: #{name}: unknown keys #{unknown.join(', ')}" unless unknown.empty?

      h
    end

    def add_item(ev, item, index)
      %w[sku price quantity].each do |k|
        raise ArgumentError, "track_ecommerce_transaction: items[#{index}]: #{k} is required" if item[k].nil?
      end
      Native.event_add_item(ev, str(item["sku"], "sku"),
                            Convert.number(item["price"], "track_ecommerce_transaction: items[#{index}]: price"),
                            Convert.integer(item["quantity"], "track_ecommerce_transaction: items[#{index}]: quantity"),
                            str(item["name"], "name"), str(item["category"], "category"))
      add_item_contexts(ev, item["context"], index)
    end

    # An item's own "context" (as in 0.6.1): its `ti` event carries the
    # transaction's contexts, then these.
    def add_item_contexts(ev, context, index)
      return if context.nil?

      name = "track_ecommerce_transaction: items[#{index}]: context"
      raise ArgumentError, "#{name}: expected an Array of Snowplow::SelfDescribingJson, got #{context.class}" unless context.is_a?(Array)

      context.each_with_index do |c, i|
        raise ArgumentError, "#{name}[#{i}]: expected a Snowplow::SelfDescribingJson, got #{c.class}" unless c.is_a?(SelfDescribingJson)

        sdj = c.to_native
        begin
          Native.event_add_item_context(ev, index, sdj)
        ensure
          Native.sdjson_free(sdj) # the event holds its own reference
        end
      end
    end

    # Finish the event (fields in the block, then contexts and timestamp),
    # track it and free it, whatever happens.
    def emit(ev, context, tstamp, subject, page)
      yield ev if block_given?
      Native.event_set_subject(ev, subject_arg(subject).native) if subject
      set_page(ev, page_arg(page)) if page
      add_contexts(ev, context)
      set_tstamp(ev, tstamp)
      Native.track_nogvl(@native, ev, @blocking ? 1 : 0)
      self
    ensure
      Native.event_free(ev)
    end

    # The per-event subject (0.7): its fields override the tracker's subject's.
    def subject_arg(subject)
      return subject if subject.is_a?(Subject)

      raise ArgumentError, "subject: expected a Snowplow::Subject, got #{subject.class}"
    end

    def page_arg(page)
      return page if page.is_a?(Page)

      raise ArgumentError, "page: expected a Snowplow::Page, got #{page.class}"
    end

    def set_page(ev, page)
      Native.event_set_page(ev, page.page_url, page.page_title, page.referrer)
    end

    def add_contexts(ev, context)
      return if context.nil?
      return if Native.event_add_contexts_fast(ev, SelfDescribingJson, context) # or nothing done

      raise ArgumentError, "context: expected an Array of Snowplow::SelfDescribingJson, got #{context.class}" unless context.is_a?(Array)

      context.each_with_index do |c, i|
        raise ArgumentError, "context[#{i}]: expected a Snowplow::SelfDescribingJson, got #{c.class}" unless c.is_a?(SelfDescribingJson)

        sdj = c.to_native
        begin
          Native.event_add_context(ev, sdj)
        ensure
          Native.sdjson_free(sdj) # the event holds its own reference
        end
      end
    end

    def set_tstamp(ev, tstamp)
      case tstamp
      when nil then nil
      when TrueTimestamp then Native.event_set_true_timestamp(ev, Convert.number(tstamp.value, "tstamp").round)
      when Timestamp then Native.event_set_device_timestamp(ev, Convert.number(tstamp.value, "tstamp").round)
      when Numeric then Native.event_set_device_timestamp(ev, Convert.number(tstamp, "tstamp").round)
      else raise ArgumentError, "tstamp: expected milliseconds or a Snowplow::Timestamp, got #{tstamp.class}"
      end
    end
  end
end
