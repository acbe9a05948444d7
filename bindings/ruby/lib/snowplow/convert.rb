# frozen_string_literal: true

module Snowplow
  # Argument checks shared by the classes: each raises ArgumentError naming the
  # argument, as the C library does for what it checks itself.
  module Convert
    module_function

    # An Integer from an Integer or an integral Float.
    def integer(value, name)
      case value
      when Integer then value
      when Float
        return value.to_i if value.finite? && value == value.floor

        raise ArgumentError, "#{name}: #{value} is not an integer"
      else
        raise ArgumentError, "#{name}: expected an Integer, got #{value.class}"
      end
    end

    # A finite Float from any Numeric (or a String holding a number, as the
    # 0.6.1 gem sent whatever it was given).
    def number(value, name)
      f = case value
          when Numeric then value.to_f
          when String
            begin
              Float(value)
            rescue ArgumentError
              raise ArgumentError, "#{name}: #{value.inspect} is not a number"
            end
          else
            raise ArgumentError, "#{name}: expected a number, got #{value.class}"
          end
      raise ArgumentError, "#{name}: #{value} is not a finite number" unless f.finite?

      f
    end

    # A String or nil.
    def string(value, name)
      return value if value.nil? || value.is_a?(String)
      return value.to_s if value.is_a?(Symbol)

      raise ArgumentError, "#{name}: expected a String, got #{value.class}"
    end

    # An Array of Strings (nil stays nil).
    def strings(value, name)
      return nil if value.nil?
      raise ArgumentError, "#{name}: expected an Array of Strings, got #{value.class}" unless value.is_a?(Array)

      value.each_with_index.map { |s, i| string(s, "#{name}[#{i}]") || raise(ArgumentError, "#{name}[#{i}]: nil") }
    end

    # Milliseconds (Integer) from seconds (Numeric, nil = no limit => -1).
    def timeout_ms(seconds, name = "timeout")
      return -1 if seconds.nil?

      s = number(seconds, name)
      raise ArgumentError, "#{name}: must not be negative" if s.negative?

      ms = (s * 1000).ceil
      ms > 2_000_000_000 ? 2_000_000_000 : ms
    end

    # JSON text of a Hash or Array (for the json fields of events): the C
    # encoder's when it takes the value (the same text), else JSON.generate's.
    def json(value, name)
      Native.json_encode_c(value) || JSON.generate(value)
    rescue JSON::GeneratorError, Encoding::UndefinedConversionError => e
      raise ArgumentError, "#{name}: cannot be encoded as JSON: #{e.message}"
    end
  end
end
