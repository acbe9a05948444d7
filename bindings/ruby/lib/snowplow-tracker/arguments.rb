# frozen_string_literal: true

module SnowplowTracker
  # Reads one call written either way: the 0.6.1 gem's positional arguments or
  # the 0.7/0.8 gem's keyword arguments (Ruby itself tells them apart: a method
  # taking `*args, **kw`), and raises ArgumentError in Ruby's own words, after
  # the method's name, when an argument is missing, unknown or given twice.
  module Arguments
    module_function

    # `positional`: the 0.6.1 order; `keywords`: names taken only as keywords;
    # `required`: names that must be given. Returns {name => value} of the
    # names given (keyword keys may be Symbols or Strings).
    def bind(fn, positional, keywords, required, args, kw)
      if args.size > positional.size
        raise ArgumentError, "#{fn}: wrong number of arguments (given #{args.size}, " \
                             "expected #{required.size}..#{positional.size})"
      end

      values = {}
      args.each_with_index { |value, i| values[positional[i]] = value }
      kw.each do |key, value|
        name = key.to_sym
        raise ArgumentError, "#{fn}: unknown keyword: #{name.inspect}" unless positional.include?(name) || keywords.include?(name)
        raise ArgumentError, "#{fn}: #{name} given both by position and by keyword" if values.key?(name)

        values[name] = value
      end
      missing = required.reject { |name| values.key?(name) }
      return values if missing.empty?

      raise ArgumentError, "#{fn}: missing keyword#{'s' if missing.size > 1}: #{missing.map(&:inspect).join(', ')}"
    end

    # Raises Ruby's "missing keyword" error for the required keywords that
    # were not given (`values` in the order of `names`).
    def check_required(fn, names, values, missing)
      absent = names.select.with_index { |_, i| values[i].equal?(missing) }
      return if absent.empty?

      raise ArgumentError, "#{fn}: missing keyword#{'s' if absent.size > 1}: #{absent.map(&:inspect).join(', ')}"
    end

    # The positional arguments of a call that gave some by position and some
    # by keyword (`kw_values`, in the order of `names`; `missing` where a
    # required one was not given, nil where an optional one was not).
    def merge(fn, names, required, args, kw_values, missing)
      if args.size > names.size
        raise ArgumentError, "#{fn}: wrong number of arguments (given #{args.size}, " \
                             "expected #{required.size}..#{names.size})"
      end

      absent = []
      values = names.each_with_index.map do |name, i|
        kv = kw_values[i]
        given = !(kv.nil? || kv.equal?(missing))
        if i < args.size
          raise ArgumentError, "#{fn}: #{name} given both by position and by keyword" if given

          args[i]
        else
          absent << name if kv.equal?(missing)
          given ? kv : nil
        end
      end
      return values if absent.empty?

      raise ArgumentError, "#{fn}: missing keyword#{'s' if absent.size > 1}: #{absent.map(&:inspect).join(', ')}"
    end

    # width and height, by position (0.6.1) or keyword (0.7).
    def pair(fn, args, width, height)
      if args.empty?
        raise ArgumentError, "#{fn}: missing keyword: :width" if width.nil?
        raise ArgumentError, "#{fn}: missing keyword: :height" if height.nil?

        return [width, height]
      end
      return args if args.size == 2 && width.nil? && height.nil?

      raise ArgumentError, "#{fn}: expected (width, height) or (width:, height:)"
    end
  end
end
