# frozen_string_literal: true

module Snowplow
  # One delivery result, given to an emitter's `on_result` callback: a batch
  # that the collector accepted, or events that failed (and whether the
  # emitter will try them again).
  class Result
    # :sent or :failed
    attr_reader :kind
    # HTTP status, or 0 when there was no answer (network error, queue full, closed)
    attr_reader :status
    # Why it failed ("HTTP 500", "Couldn't connect to server", ...); "" for a success
    attr_reader :reason
    # Events delivered by the same round before a failure (the 0.6.1 success_count)
    attr_reader :success_count
    # The events, each a Hash of its payload fields (all values Strings)
    attr_reader :events

    def initialize(raw)
      kind, @status, @reason, @will_retry, @success_count, jsons = raw
      @kind = kind == Native::RESULT_SENT ? :sent : :failed
      @events = jsons.map { |j| j ? JSON.parse(j) : {} }
    end

    def sent? = @kind == :sent
    def failed? = @kind == :failed
    # For a failure: true when the emitter will send these events again.
    def will_retry? = @will_retry
  end
end
