# frozen_string_literal: true

module SnowplowTracker
  # Reads one call written either way: the 0.6.1 gem's positional arguments or
  # the 0.7/0.8 gem's keyword arguments (Ruby itself tells them apart: the
  # methods take `*args` and keywords), or both at once, and raises
  # ArgumentError in Ruby's own words, after the method's name, when an
  # argument is missing, unknown or given twice.
  module Arguments
    module_function

    # The default of a required keyword: not given.
    MISSING = Object.new.freeze

    # `positional`: the 0.6.1 order; `keywords`: names taken only as keywords;
    # `required`: names that must be given. Returns {name => value} (nil for
    # what was not given; keyword keys may be Symbols or Strings).
    def bind(fn, positional, keywords, required, args, kw)
      kw = kw.transform_keys(&:to_sym)
      unknown = kw.keys - positional - keywords
      raise ArgumentError, "#{fn}: unknown keyword: #{unknown.first.inspect}" unless unknown.empty?

      kw_values = positional.map { |n| kw.fetch(n) { required.include?(n) ? MISSING : nil } }
      positional.zip(merge(fn, positional, required, args, kw_values, MISSING)).to_h.merge(kw.slice(*keywords))
    end

    # Raises Ruby's "missing keyword" error for the required keywords that
    # were not given (`values` in the order of `names`).
    def check_required(fn, names, values, missing)
      absent = names.select.with_index { |_, i| values[i].equal?(missing) }
      raise_missing(fn, absent) unless absent.empty?
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
      raise_missing(fn, absent) unless absent.empty?
      values
    end

    def raise_missing(fn, names)
      raise ArgumentError, "#{fn}: missing keyword#{'s' if names.size > 1}: #{names.map(&:inspect).join(', ')}"
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
