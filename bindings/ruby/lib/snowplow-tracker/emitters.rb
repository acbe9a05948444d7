# frozen_string_literal: true

module SnowplowTracker
  # The gem's Emitter on libsnowplow's: events go out from the C library's
  # threads, and the gem's behaviour is kept where code can see it.
  #
  #   SnowplowTracker::Emitter.new(endpoint: "collector.example.com",
  #                                options: { method: "post", buffer_size: 10 })   # 0.7 / 0.8
  #   SnowplowTracker::Emitter.new("collector.example.com", method: "post")        # 0.6.1
  #
  # Options of the gem: protocol, port, method ("get" default), buffer_size
  # (events per POST request), path (POST), on_success(count),
  # on_failure(count, failed_events), thread_count, logger. Any key of
  # Snowplow::Emitter is taken too (retries, store, queue bounds, ...).
  #
  # As in the gem, a request that fails is reported once through on_failure
  # with its events and is not sent again: retries (`max_attempts`, e.g. 0 =
  # until delivered) and the store are options to ask for.
  #
  # The gem's log lines go to `logger` (default SnowplowTracker::LOGGER): the
  # emitter's creation, and for each request, when its answer is in: the
  # events it held, the request (its payload at DEBUG) and its status (WARN
  # when it failed, with the reason when there was no answer).
  class Emitter < Snowplow::Emitter
    GEM_KEYS = %i[logger path].freeze

    attr_reader :logger

    def initialize(*args, **kw)
      endpoint, options = self.class.endpoint_and_options(args, kw)
      config = options.transform_keys(&:to_sym)
      @logger = config.delete(:logger) || LOGGER
      %i[info warn debug add].each do |m|
        raise ArgumentError, "Emitter: logger: expected a Logger, got #{@logger.class}" unless @logger.respond_to?(m)
      end
      path = config.delete(:path)
      config = apply_path(config, path) unless path.nil?
      # The gem sent each request once: no retries unless asked for.
      config[:max_attempts] = 1 unless config.key?(:max_attempts)
      super(endpoint, config)
      @collector_uri = collector_uri(endpoint, config)
      @logger.info("#{self.class} initialized with endpoint #{@collector_uri}")
    end

    # The gem's Emitter#input: queue one event given as a Hash of payload
    # fields ({"e" => "se", "se_ca" => ..., "p" => "srv", "tv" => ...}; values
    # are sent as their to_s, as the gem did). An `eid` is kept, else one is
    # made; `stm` is set when sent. Raises ArgumentError (nothing queued) for
    # what the protocol refuses: no `e`, an `eid` that is no UUID, bad UTF-8.
    def input(payload)
      raise ArgumentError, "input: payload: expected a Hash, got #{payload.class}" unless payload.is_a?(Hash)

      Snowplow::Native.emitter_input_json(native, JSON.generate(payload.to_h { |k, v| [k.to_s, v.to_s] }))
      nil
    end

    # As Snowplow::Emitter#flush; logs the gem's line when nothing is waiting.
    def flush(async = true, timeout: nil)
      if !closed? && (counter(:queued) + counter(:in_flight)).zero?
        logger.info("Skipping sending events since buffer is empty")
      end
      super
    end

    # The two ways to call new: (endpoint:, options: {}) and (endpoint, config = {}).
    def self.endpoint_and_options(args, kw)
      # 0.6.1 with the configuration as trailing keywords: new("host", method: "post")
      if args.size == 1 && !kw.empty? && !kw.key?(:options) && !kw.key?(:endpoint)
        return [args[0], kw]
      end

      v = Arguments.bind("Emitter.new", %i[endpoint options], [], [:endpoint], args, kw)
      options = v[:options].nil? ? {} : v[:options]
      raise ArgumentError, "Emitter.new: options: expected a Hash, got #{options.class}" unless options.is_a?(Hash)

      [v[:endpoint], options]
    end

    private

    # The dispatcher runs for every emitter of the gem's kind: it logs.
    def callbacks?
      true
    end

    def apply_path(config, path)
      raise ArgumentError, "Emitter: path: expected a String, got #{path.class}" unless path.is_a?(String)

      if config.fetch(:method, "get").to_s.downcase == "post"
        config.merge(post_path: path)
      elsif path == "/i"
        config
      else
        raise ArgumentError, "Emitter: path: GET requests go to /i (a path of your own is taken for POST)"
      end
    end

    def collector_uri(endpoint, config)
      port = config[:port].nil? ? "" : ":#{config[:port]}"
      path = if @request_method == "post"
               config[:post_path] || "/com.snowplowanalytics.snowplow/tp2"
             else
               "/i"
             end
      "#{config[:protocol] || 'http'}://#{endpoint}#{port}#{path}"
    end

    def run_callbacks(raw)
      guarded(:logger) { log_result(raw) }
      super
    end

    # What the gem logs for one request, from its result.
    def log_result(raw)
      sent = raw[0] == Snowplow::Native::RESULT_SENT
      status = raw[1]
      events = raw[5]
      method = @request_method.upcase
      @logger.info("Attempting to send #{events.size} request#{events.size == 1 ? '' : 's'}")
      @logger.info("Sending #{method} request to #{@collector_uri}...")
      @logger.debug { "Payload: #{payload_for_log(events)}" }
      if status.positive?
        @logger.add(sent ? Logger::INFO : Logger::WARN) do
          "#{method} request to #{@collector_uri} finished with status code #{status}"
        end
      else
        @logger.warn(raw[2])
      end
    end

    def payload_for_log(events)
      hashes = events.map { |j| j ? JSON.parse(j) : {} }
      return hashes.first.to_s if @request_method == "get" && hashes.size == 1

      { schema: "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4", data: hashes }.to_s
    end
  end

  # The gem's asynchronous emitter. Every libsnowplow emitter sends from
  # background threads (thread_count of them); this one logs the gem's
  # "Starting synchronous flush" and "Finished synchronous flush" around a
  # blocking flush.
  class AsyncEmitter < Emitter
    def flush(async = true, timeout: nil)
      return super if async

      logger.info("Starting synchronous flush")
      done = super
      logger.info("Finished synchronous flush")
      done
    end
  end
end
