# frozen_string_literal: true

module Snowplow
  @close_timeout = 5.0
  @emitters = ObjectSpace::WeakMap.new

  class << self
    # Seconds Emitter#close waits by default, and the bound of the whole
    # shutdown at exit (default 5.0).
    attr_accessor :close_timeout

    # Emitters not closed yet, closed at exit. Weak: an emitter nobody uses
    # any more is still freed (and so closed) by the garbage collector.
    def register_emitter(emitter)
      @emitters[emitter] = true
    end

    def unregister_emitter(emitter)
      @emitters.delete(emitter) if @emitters.respond_to?(:delete)
    end

    # Close every open emitter within `timeout` seconds in all: what they
    # cannot send in that time is reported through on_failure. Runs at exit.
    def shutdown(timeout = close_timeout)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout.to_f
      open = @emitters.keys.reject(&:closed?)
      # Every emitter starts sending at once; then each is closed in turn.
      open.each { |emitter| Native.emitter_flush_async(emitter.native) }
      open.each do |emitter|
        next if emitter.closed?

        left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
        emitter.close([left, 0].max)
      end
      nil
    end
  end

  at_exit { Snowplow.shutdown }
end
