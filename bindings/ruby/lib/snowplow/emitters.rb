# frozen_string_literal: true

module Snowplow
  # Delivers events to a collector. The sending happens in the C library's
  # threads (`thread_count` of them): tracking never waits for the network.
  #
  #   Snowplow::Emitter.new("collector.example.com",
  #     protocol: "https", method: "post", buffer_size: 50,
  #     on_success: ->(count) { ... },
  #     on_failure: ->(success_count, failed_events) { ... })
  #
  # Configuration keys of the snowplow-tracker gem 0.6.1: protocol ("http",
  # "https"), port, method ("get", "post"; default "get" as in 0.6.1),
  # buffer_size (events per POST request), on_success, on_failure,
  # thread_count. Further keys of libsnowplow (times in milliseconds):
  #   batch_size (same as buffer_size), byte_limit, linger_ms, post_path,
  #   connect_timeout_ms, request_timeout_ms,
  #   max_attempts (0 = retry until delivered), retry_base_delay_ms,
  #   retry_max_delay_ms, custom_retry_codes ({503 => false, 400 => true}),
  #   buffer_capacity (events queued at most), buffer_bytes,
  #   full_policy (:drop_newest, :drop_oldest, :block), block_timeout_ms,
  #   store (SQLite path), store_sync_interval_ms, store_max_events,
  #   store_max_age_ms, result_queue_size, on_result (gets a Snowplow::Result),
  #   max_inflight (requests in flight per sending thread, default 8; events of
  #   different requests arrive in any order), redis_url and redis_key (push
  #   each event to that Redis list instead of the collector, the endpoint unused).
  # Network keys: ca_file, ca_path (CAs to trust instead of the system's),
  #   client_cert, client_key (PEM files), pinned_public_key ("sha256//..."),
  #   insecure_skip_tls_verify (true turns TLS verification off), proxy
  #   ("http://host:port", "" for none; unset: libcurl reads http_proxy,
  #   https_proxy, no_proxy), headers ({"Name" => "value"}), user_agent.
  # Unknown keys raise ArgumentError, as the 0.6.1 contracts did.
  #
  # Callbacks run on one Ruby thread per emitter (its dispatcher), never on
  # the C threads: on_success.call(count) after each accepted request,
  # on_failure.call(success_count, failed_events) after each failed attempt,
  # failed_events being Hashes of payload fields. A callback may track events
  # and flush; an exception it raises is printed and ignored.
  class Emitter
    CONFIG_KEYS = %i[
      protocol port method buffer_size on_success on_failure thread_count
      batch_size byte_limit linger_ms post_path connect_timeout_ms request_timeout_ms
      max_attempts retry_base_delay_ms retry_max_delay_ms custom_retry_codes
      buffer_capacity buffer_bytes full_policy block_timeout_ms
      store store_sync_interval_ms store_max_events store_max_age_ms
      result_queue_size on_result
      ca_file ca_path client_cert client_key pinned_public_key insecure_skip_tls_verify
      proxy headers user_agent
      max_inflight redis_url redis_key
    ].freeze

    DEFAULT_CONFIG = { protocol: "http", method: "get" }.freeze

    # Results waiting for the dispatcher at most (beyond that they are counted
    # as dropped, and flush stops waiting for them).
    DEFAULT_RESULT_QUEUE_SIZE = 100_000

    FULL_POLICIES = {
      drop_newest: Native::FULL_DROP_NEWEST,
      drop_oldest: Native::FULL_DROP_OLDEST,
      block: Native::FULL_BLOCK
    }.freeze

    COUNTERS = {
      tracked: Native::COUNTER_TRACKED, sent: Native::COUNTER_SENT,
      failed: Native::COUNTER_FAILED, retried: Native::COUNTER_RETRIED,
      dropped: Native::COUNTER_DROPPED, queued: Native::COUNTER_QUEUED,
      in_flight: Native::COUNTER_IN_FLIGHT, results: Native::COUNTER_RESULTS,
      results_dropped: Native::COUNTER_RESULTS_DROPPED, stored: Native::COUNTER_STORED
    }.freeze

    # The endpoint given, and "get" or "post".
    attr_reader :endpoint, :request_method

    def initialize(endpoint, config = {})
      raise ArgumentError, "Emitter: endpoint: expected a String, got #{endpoint.class}" unless endpoint.is_a?(String)
      raise ArgumentError, "Emitter: config: expected a Hash, got #{config.class}" unless config.is_a?(Hash)

      config = config.transform_keys(&:to_sym)
      unknown = config.keys - CONFIG_KEYS
      raise ArgumentError, "Emitter: unknown configuration #{unknown.map(&:inspect).join(', ')}" unless unknown.empty?

      config = DEFAULT_CONFIG.merge(config) { |_key, default, given| given.nil? ? default : given }
      @endpoint = endpoint
      @request_method = config[:method].to_s.downcase
      @on_success = callable(config[:on_success], :on_success)
      @on_failure = callable(config[:on_failure], :on_failure)
      @on_result = callable(config[:on_result], :on_result)
      @blocking_track = config[:full_policy]&.to_sym == :block
      @closed = false
      @dispatcher = nil

      @native = Native.emitter_new(build_options(endpoint, config))
      ObjectSpace.define_finalizer(self, self.class.releaser(@native))
      start_dispatcher if callbacks?
      Snowplow.register_emitter(self)
    end

    # Send what is queued. async (the default for an emitter, as in 0.6.1)
    # only asks the sending threads to send now. Otherwise waits until every
    # event tracked before the call is delivered or has failed for good and
    # its callbacks have run, or until `timeout` seconds pass (nil: no limit).
    # Returns true when everything was done in time. From inside a callback
    # the wait covers the delivery; those events' callbacks run after the
    # current one returns.
    def flush(async = true, timeout: nil)
      return true if @closed

      if async
        Native.emitter_flush_async(@native)
        return true
      end
      deadline = timeout && monotonic + timeout
      rc = Native.emitter_flush_nogvl(@native, Convert.timeout_ms(timeout))
      return false unless rc == Native::OK

      wait_for_callbacks(deadline)
    end

    # Flush for at most `timeout` seconds, then stop sending: events still
    # unsent are reported through on_failure. Waits (within about the same
    # bound) for the dispatcher to run the remaining callbacks. Idempotent.
    def close(timeout = Snowplow.close_timeout)
      return if @closed

      @closed = true
      deadline = monotonic + timeout.to_f
      Native.emitter_close_nogvl(@native, Convert.timeout_ms(timeout))
      Snowplow.unregister_emitter(self)
      return unless @dispatcher

      Native.emitter_wake_results(@native)
      return if Thread.current.equal?(@dispatcher)

      left = deadline - monotonic
      begin
        @dispatcher.join([left, 0.5].max) || @dispatcher.kill
      rescue StandardError
        nil # the dispatcher's own failure was reported when it happened
      end
      nil
    end

    def closed? = @closed

    # The counters of the C emitter: {tracked:, sent:, failed:, retried:,
    # dropped:, queued:, in_flight:, results:, results_dropped:, stored:}.
    def counters
      COUNTERS.transform_values { |c| Native.emitter_counter(@native, c) }
    end

    # One counter (a key of #counters).
    def counter(name)
      Native.emitter_counter(@native, COUNTERS.fetch(name.to_sym))
    end

    # Results whose callbacks have run.
    def results_handled
      @handled_mutex ? @handled_mutex.synchronize { @handled } : 0
    end

    # The C handle (Snowplow::Native), owned by this object.
    attr_reader :native

    # Whether the emitter may block a track call (full_policy: :block).
    def blocking_track? = @blocking_track

    def self.releaser(native)
      proc { Native.emitter_free_nogvl(native) }
    end

    private

    def callbacks?
      !(@on_success.nil? && @on_failure.nil? && @on_result.nil?)
    end

    def callable(value, name)
      return nil if value.nil?
      raise ArgumentError, "Emitter: #{name}: expected something that responds to call" unless value.respond_to?(:call)

      value
    end

    def build_options(endpoint, config)
      opts = Native.emitter_options_new
      begin
        apply_options(opts, endpoint, config)
      rescue StandardError
        Native.emitter_options_free(opts)
        raise
      end
      opts
    end

    def apply_options(opts, endpoint, config)
      n = Native
      n.emitter_options_set_endpoint(opts, endpoint)
      n.emitter_options_set_redis(opts, config[:redis_url], config[:redis_key]) if config[:redis_url]
      set_int(opts, config, :max_inflight, :emitter_options_set_max_inflight)
      n.emitter_options_set_protocol(opts, config[:protocol].to_s)
      n.emitter_options_set_port(opts, Convert.integer(config[:port], "Emitter: port")) if config[:port]
      n.emitter_options_set_method(opts, method_constant(@request_method))
      batch = config[:batch_size] || config[:buffer_size]
      n.emitter_options_set_batch_size(opts, Convert.integer(batch, "Emitter: buffer_size")) if batch && @request_method == "post"
      set_int(opts, config, :thread_count, :emitter_options_set_thread_count)
      set_int(opts, config, :byte_limit, :emitter_options_set_byte_limit)
      set_int(opts, config, :linger_ms, :emitter_options_set_linger_ms)
      set_int(opts, config, :connect_timeout_ms, :emitter_options_set_connect_timeout_ms)
      set_int(opts, config, :request_timeout_ms, :emitter_options_set_request_timeout_ms)
      n.emitter_options_set_post_path(opts, config[:post_path]) if config[:post_path]
      apply_retry(opts, config)
      apply_buffer(opts, config)
      apply_store(opts, config)
      apply_network(opts, config)
      return unless callbacks?

      size = config[:result_queue_size] || DEFAULT_RESULT_QUEUE_SIZE
      n.emitter_options_set_result_queue(opts, Convert.integer(size, "Emitter: result_queue_size"))
    end

    def set_int(opts, config, key, setter)
      Native.public_send(setter, opts, Convert.integer(config[key], "Emitter: #{key}")) unless config[key].nil?
    end

    def method_constant(method)
      case method
      when "get" then Native::METHOD_GET
      when "post" then Native::METHOD_POST
      else raise ArgumentError, "Emitter: method: expected \"get\" or \"post\", got #{method.inspect}"
      end
    end

    def apply_retry(opts, config)
      keys = %i[max_attempts retry_base_delay_ms retry_max_delay_ms]
      if keys.any? { |k| config.key?(k) }
        Native.emitter_options_set_retry(
          opts,
          Convert.integer(config.fetch(:retry_base_delay_ms, 100), "Emitter: retry_base_delay_ms"),
          Convert.integer(config.fetch(:retry_max_delay_ms, 60_000), "Emitter: retry_max_delay_ms"),
          Convert.integer(config.fetch(:max_attempts, 0), "Emitter: max_attempts")
        )
      end
      codes = config[:custom_retry_codes]
      return if codes.nil?
      raise ArgumentError, "Emitter: custom_retry_codes: expected a Hash" unless codes.is_a?(Hash)

      codes.each do |status, retry_it|
        Native.emitter_options_set_custom_retry_code(opts, Convert.integer(status, "Emitter: custom_retry_codes"),
                                                     retry_it ? 1 : 0)
      end
    end

    def apply_buffer(opts, config)
      if config[:buffer_capacity] || config[:buffer_bytes]
        Native.emitter_options_set_buffer_capacity(
          opts, Convert.integer(config[:buffer_capacity] || 10_000, "Emitter: buffer_capacity"),
          Convert.integer(config[:buffer_bytes] || 0, "Emitter: buffer_bytes")
        )
      end
      return if config[:full_policy].nil?

      policy = FULL_POLICIES[config[:full_policy].to_sym] ||
               raise(ArgumentError, "Emitter: full_policy: expected one of #{FULL_POLICIES.keys.join(', ')}")
      Native.emitter_options_set_full_policy(opts, policy,
                                             Convert.integer(config.fetch(:block_timeout_ms, -1), "Emitter: block_timeout_ms"))
    end

    def apply_store(opts, config)
      return if config[:store].nil?

      Native.emitter_options_set_store(
        opts, config[:store].to_s,
        Convert.integer(config.fetch(:store_sync_interval_ms, 100), "Emitter: store_sync_interval_ms"),
        Convert.integer(config.fetch(:store_max_events, 0), "Emitter: store_max_events"),
        Convert.integer(config.fetch(:store_max_age_ms, 0), "Emitter: store_max_age_ms")
      )
    end

    NETWORK_STRINGS = {
      ca_file: :emitter_options_set_ca_file, ca_path: :emitter_options_set_ca_path,
      pinned_public_key: :emitter_options_set_pinned_public_key,
      proxy: :emitter_options_set_proxy, user_agent: :emitter_options_set_user_agent
    }.freeze

    def apply_network(opts, config)
      NETWORK_STRINGS.each do |key, setter|
        Native.public_send(setter, opts, network_string(config[key], key)) unless config[key].nil?
      end
      if config[:client_cert] || config[:client_key]
        Native.emitter_options_set_client_cert(opts, network_string(config[:client_cert], :client_cert, nil_ok: true),
                                               network_string(config[:client_key], :client_key, nil_ok: true))
      end
      insecure = config.fetch(:insecure_skip_tls_verify, false)
      unless [true, false].include?(insecure)
        raise ArgumentError, "Emitter: insecure_skip_tls_verify: expected true or false, got #{insecure.inspect}"
      end

      Native.emitter_options_set_insecure_skip_tls_verify(opts, 1) if insecure
      headers = config[:headers]
      return if headers.nil?
      raise ArgumentError, "Emitter: headers: expected a Hash, got #{headers.class}" unless headers.is_a?(Hash)

      headers.each do |name, value|
        Native.emitter_options_add_header(opts, network_string(name, "headers key"),
                                          network_string(value, "headers[#{name.inspect}]"))
      end
    end

    def network_string(value, key, nil_ok: false)
      return nil if value.nil? && nil_ok
      return value.to_s if value.is_a?(String) || value.is_a?(Symbol)

      raise ArgumentError, "Emitter: #{key}: expected a String, got #{value.class}"
    end

    # ---- the dispatcher: one Ruby thread that runs the callbacks ------------

    def start_dispatcher
      @handled = 0
      @dispatcher_done = false
      @handled_mutex = Mutex.new
      @handled_cond = ConditionVariable.new
      @dispatcher = Thread.new { dispatch_loop }
      @dispatcher.name = "snowplow-dispatcher"
      @dispatcher.report_on_exception = false
    end

    def dispatch_loop
      native = @native
      loop do
        raw = Native.next_result_nogvl(native, -1)
        if raw.is_a?(Array)
          begin
            run_callbacks(raw)
          ensure
            @handled_mutex.synchronize do
              @handled += 1
              @handled_cond.broadcast
            end
          end
        elsif raw == Native::ECLOSED
          break
        end
      end
    rescue StandardError => e
      warn "snowplow: the callback dispatcher stopped: #{e.class}: #{e.message}"
    ensure
      @handled_mutex.synchronize do
        @dispatcher_done = true
        @handled_cond.broadcast
      end
    end

    def run_callbacks(raw)
      sent = raw[0] == Native::RESULT_SENT
      if sent && @on_success
        guarded(:on_success) { @on_success.call(raw[5].size) }
      elsif !sent && @on_failure
        guarded(:on_failure) { @on_failure.call(raw[4], raw[5].map { |j| j ? JSON.parse(j) : {} }) }
      end
      guarded(:on_result) { @on_result.call(Result.new(raw)) } if @on_result
    end

    # A callback's exception must not stop the dispatcher: print it, go on.
    def guarded(name)
      yield
    rescue StandardError, ScriptError => e
      warn "snowplow: #{name} callback raised #{e.class}: #{e.message}"
    end

    # After a flush: wait until the dispatcher has run the callbacks of every
    # result queued so far (results the full result queue dropped have no
    # callback to wait for).
    def wait_for_callbacks(deadline)
      return true if @dispatcher.nil? || Thread.current.equal?(@dispatcher)

      target = Native.emitter_counter(@native, Native::COUNTER_RESULTS)
      @handled_mutex.synchronize do
        until @handled >= target || @dispatcher_done
          if deadline
            left = deadline - monotonic
            return false if left <= 0

            @handled_cond.wait(@handled_mutex, left)
          else
            @handled_cond.wait(@handled_mutex)
          end
        end
      end
      true
    end

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end

  # The 0.6.1 asynchronous emitter. Every emitter of libsnowplow sends from
  # background threads; this one exists so that code written for the gem runs
  # unchanged (thread_count sets the number of sending threads).
  class AsyncEmitter < Emitter
  end

  # Pushes each event onto a Redis list instead of sending it, as the official
  # Python tracker's RedisEmitter does; snowplow-relay moves the list to the
  # collector, at least once (docs/scale-out.md). Each item is one JSON object
  # of the event's payload fields, every value a string.
  #
  #   emitter = Snowplow::RedisEmitter.new("redis://127.0.0.1:6379/0", key: "snowplow")
  #   tracker = Snowplow::Tracker.new(emitter)
  #
  # redis_url: redis://[[user]:password@]host[:port][/db] or
  # unix:///path/to.sock[?db=N][&password=P]. key: the list, "snowplow" by
  # default (the official RedisEmitter's). The other configuration keys are
  # Emitter's (batch_size: events per pipelined RPUSH group, thread_count,
  # on_success, on_failure, on_result, store, buffer_capacity, ...); the
  # HTTP-only ones have no effect.
  class RedisEmitter < Emitter
    DEFAULT_KEY = "snowplow"

    # The list the events go to.
    attr_reader :redis_key

    def initialize(redis_url = "redis://127.0.0.1:6379", config = {})
      raise ArgumentError, "RedisEmitter: redis_url: expected a String, got #{redis_url.class}" unless redis_url.is_a?(String)
      raise ArgumentError, "RedisEmitter: config: expected a Hash, got #{config.class}" unless config.is_a?(Hash)

      config = config.transform_keys(&:to_sym)
      @redis_key = config.delete(:key) || DEFAULT_KEY
      # POST: each event is kept as its JSON object, which is what goes to Redis.
      super("redis", { method: "post" }.merge(config, redis_url: redis_url, redis_key: @redis_key))
    end
  end
end
