# frozen_string_literal: true

module Snowplow
  # A schema URI and its data: the data of a self-describing event, or a
  # context entity.
  #
  #   Snowplow::SelfDescribingJson.new(
  #     "iglu:com.acme/save_game/jsonschema/1-0-0", { "level" => 3 })
  #
  # As in the 0.6.1 gem the object keeps the Hash: it is encoded each time an
  # event carrying it is tracked (so changes made before then are sent), and
  # the C library checks it then: a bad schema URI, data that is not a JSON
  # object or invalid UTF-8 make that track call raise ArgumentError.
  class SelfDescribingJson
    attr_reader :schema, :data

    def initialize(schema, data)
      raise ArgumentError, "SelfDescribingJson: schema: expected a String, got #{schema.class}" unless schema.is_a?(String)
      raise ArgumentError, "SelfDescribingJson: data: expected a Hash, got #{data.class}" unless data.is_a?(Hash)

      @schema = schema
      @data = data
    end

    # {schema: ..., data: ...}, as in the 0.6.1 gem.
    def to_json(*args)
      return JSON.generate({ schema: @schema, data: @data }, *args) unless args.empty?

      { schema: @schema, data: @data }
    end

    # The JSON text: {"schema":"...","data":{...}}.
    def to_s
      JSON.generate({ schema: @schema, data: @data })
    end

    # A new C handle (Snowplow::Native) of the current data; the caller frees
    # it with Snowplow::Native.sdjson_free.
    def to_native
      Native.sdjson_new(@schema, Convert.json(@data, "SelfDescribingJson: data"))
    end
  end
end
