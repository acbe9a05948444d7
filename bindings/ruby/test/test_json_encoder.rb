# frozen_string_literal: true

# The C encoder behind the fast paths (Snowplow::Native.json_encode_c,
# ext/snowplow_native/sp_rb_json.c) writes exactly what JSON.generate writes
# for every value it takes, and takes nothing it cannot write so (it returns
# nil: the binding then asks JSON.generate). The tracker's fast path keeps
# every result and every error of the Ruby path.
require "minitest/autorun"
require "open3"
require "rbconfig"
require "snowplow"
require "collector_helper"

class TestJsonEncoder < Minitest::Test
  ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"
  ANY = "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0" # the collector takes any data
  SEED = Integer(ENV.fetch("SNOWPLOW_TEST_SEED", Random.new_seed % 1_000_000))

  def enc(value) = Snowplow::Native.json_encode_c(value)

  def assert_encoded_as_json(value, note = nil)
    text = enc(value)
    refute_nil text, "declined #{value.inspect} #{note}"
    assert_equal JSON.generate(value), text, "#{value.inspect} #{note}"
    assert_equal Encoding::UTF_8, text.encoding
  end

  def assert_declined(value)
    assert_nil enc(value), "took #{value.inspect}"
  end

  # ---- random values ----------------------------------------------------------

  def rng = @rng ||= Random.new(SEED)

  def random_float
    f = case rng.rand(8)
        when 0 then [rng.bytes(8)].pack("a8").unpack1("D")
        when 1 then Float("#{rng.rand(1..999_999_999_999_999)}e#{rng.rand(-40..40)}")
        when 2 then Float("#{rng.rand(1..99_999)}e#{rng.rand(-330..310)}")
        when 3 then (rng.rand * (10**rng.rand(-8..20))).round(rng.rand(1..8))
        when 4 then 2.0**rng.rand(-1074..1023)
        when 5 then (2.0**rng.rand(-1074..1023)).then { |x| rng.rand(2).zero? ? x.next_float : x.prev_float }
        when 6 then rng.rand(-1_000_000..1_000_000) / 100.0
        else 10.0**rng.rand(-25..25)
        end
    f = 0.5 unless f.finite?
    rng.rand(2).zero? ? -f : f
  end

  def random_char
    case rng.rand(5)
    when 0 then rng.rand(0x80).chr(Encoding::UTF_8) # controls, quotes, backslash, '/', DEL
    when 1 then rng.rand(0x80..0x7ff).chr(Encoding::UTF_8)
    when 2 then rng.rand(0x800..0xf7ff).then { |c| c >= 0xd800 ? c + 0x800 : c }.chr(Encoding::UTF_8)
    when 3 then rng.rand(0x10000..0x10ffff).chr(Encoding::UTF_8)
    else ["\u2028", "\u2029", "\"", "\\", "/", "\x7f", "<", "\u00e9", "\u{1f600}", "\0"].sample(random: rng)
    end
  end

  def random_string = Array.new(rng.rand(0..12)) { random_char }.join

  def random_scalar
    case rng.rand(9)
    when 0 then nil
    when 1 then true
    when 2 then false
    when 3 then rng.rand(-1000..1000)
    when 4 then rng.rand(-(2**62)..(2**62 - 1)) # Fixnums, up to their limits
    when 5 then random_float
    when 6 then random_string.to_sym
    else random_string
    end
  end

  def random_value(depth = 0)
    return random_scalar if depth > 4 || rng.rand(3).zero?

    if rng.rand(2).zero?
      Array.new(rng.rand(0..5)) { random_value(depth + 1) }
    else
      pairs = Array.new(rng.rand(0..5)) { [rng.rand(4).zero? ? random_string.to_sym : random_string, random_value(depth + 1)] }
      pairs = pairs.uniq { |k, _| k.to_s } if @unique_keys
      pairs.to_h
    end
  end

  def test_random_values_encode_as_json_generate
    3000.times { |i| assert_encoded_as_json(random_value, "(seed #{SEED}, value #{i})") }
  end

  def test_random_floats_encode_as_json_generate
    20_000.times do
      f = random_float
      assert_equal JSON.generate([f]), enc([f]), "#{f} (seed #{SEED})"
      short = Snowplow::Native.json_format_float_c(f)
      assert_equal f.to_s, short, "formatted in C (seed #{SEED})" if short
    end
  end

  # Up to 15 significant digits, between 1e-8 and 1e37, the C formatter writes
  # the text alone (beyond, powers of ten that no double holds would be needed).
  def test_short_floats_are_formatted_in_c
    2000.times do
      digits = rng.rand(1..15)
      f = Float(format("%.#{digits - 1}e", rng.rand(1.0...10.0) * (10.0**rng.rand(-8..30))))
      assert_equal f.to_s, Snowplow::Native.json_format_float_c(f), "#{f} (seed #{SEED})"
    end
  end

  # ---- edge cases ---------------------------------------------------------------

  def test_float_edges
    floats = [0.0, -0.0, 1.0, -1.0, 100.0, 19.99, 0.1, 0.5, 1.0e+20, 1.0e-05, 1.5e-05, 0.0001, 0.00012, 1e15, 1e16,
              123_456_789_012_345.0, 999_999_999_999_999.0, 1_234_567_890_123_456.7, 9_999_999_999_999_998.0,
              2.0**52, 2.0**53, 2.0**53 + 2, 2.0**63, 2.0**64, 1e22, 1e23, 1.2345e37, 1.2345e38, 0.1 + 0.2, 1 / 3.0,
              Float::MAX, -Float::MAX, Float::MIN, Float::EPSILON, 5e-324, 2.2250738585072014e-308, 1e300, 1e-300,
              12.0, 120.0, 1e-4, 9.999e-5, 1e100, 4.35, 0.30000000000000004]
    floats.each do |f|
      assert_encoded_as_json([f])
      assert_encoded_as_json({ "x" => -f })
    end
    { 19.99 => "19.99", 1.0e20 => "1.0e+20", 1.0e-5 => "1.0e-05", 100.0 => "100.0", -0.0 => "-0.0", 1e15 => "1.0e+15",
      123_456_789_012_345.0 => "123456789012345.0", 0.0001 => "0.0001", 1e22 => "1.0e+22" }.each do |f, text|
      assert_equal text, Snowplow::Native.json_format_float_c(f)
    end
  end

  def test_integers
    [0, -1, 1, 42, -(2**62), 2**62 - 1, 10**15, -(10**18)].each { |i| assert_encoded_as_json([i]) }
    assert_declined([2**64]) # Bignum: Integer#to_s, Ruby's to call
    assert_declined([-(2**62) - 1])
  end

  def test_strings
    all_ascii = (0...128).map(&:chr).join
    assert_encoded_as_json([all_ascii])
    assert_encoded_as_json({ all_ascii => all_ascii })
    ["", "bench ć", "ü ✓ 😀", "\u2028\u2029", "</script>", "a\0b", "\x7f", "\u{10ffff}", "\\\"/",
     "é" * 5000].each { |s| assert_encoded_as_json([s]) }
    # 7-bit text in any ASCII-compatible encoding is written as it is.
    ["abc".b, "abc".encode("US-ASCII"), "abc".encode("ISO-8859-1"), "abc".encode("Shift_JIS")].each do |s|
      assert_encoded_as_json([s], s.encoding)
    end
    # JSON converts (or refuses) the others: left to it.
    ["é".b, "\xff".b, "\xc3".b, "\xff", "\xed\xa0\x80", "é".encode("ISO-8859-1"), "é".encode("UTF-16LE"),
     "a".encode("UTF-16LE")].each { |s| assert_declined([s]) }
  end

  def test_symbols_and_keys
    assert_encoded_as_json({ a: :b, "c" => :"é ✓", d: [:e, nil] })
    assert_encoded_as_json({ "dup" => 1, dup: 2 })
    [{ 1 => 2 }, { nil => 1 }, { 1.5 => 2 }, { [1] => 2 }, { true => 1 }].each { |h| assert_declined(h) }
    key = Class.new(String).new("k")
    assert_declined({ key => 1 })
  end

  def test_containers_and_their_subclasses
    assert_encoded_as_json({})
    assert_encoded_as_json([])
    assert_encoded_as_json({ "a" => {}, "b" => [], "c" => [{}, [[]]] })
    big = (1..5000).to_h { |i| ["key#{i}", [i, i * 0.5, "v#{i}"]] } # outgrows the inline buffer
    assert_encoded_as_json(big)
    same = { "k" => 1 }
    same.compare_by_identity
    assert_encoded_as_json(same)
    assert_declined(Class.new(Hash).new.merge!("a" => 1))
    assert_declined(Class.new(Array).new([1]))
    assert_declined([Class.new(String).new("x")])
    singleton = +"x"
    def singleton.to_json(*) = '"y"'
    assert_declined([singleton])
    assert_declined({ "a" => [1, { "b" => Object.new }] })
  end

  def test_deep_nesting_is_left_to_json
    deep = ->(n) { n.zero? ? 1 : [deep.(n - 1)] }
    assert_encoded_as_json(deep.(64))
    assert_declined(deep.(65))
    assert_declined(deep.(200)) # JSON raises its NestingError
  end

  def test_other_values_are_left_to_json
    [Float::NAN, Float::INFINITY, -Float::INFINITY, Time.at(0), 1r, 1i, Object.new, Struct.new(:a).new(1), 1..2,
     Snowplow::SelfDescribingJson.new(ENTITY, {})].each do |v|
      assert_declined([v])
      assert_declined({ "v" => v })
    end
  end

  # Redefinitions that change what JSON.generate writes turn the encoder off
  # for those values (in a child process: they would leak into other tests).
  def test_redefinitions_are_respected
    script = <<~RUBY
      require "snowplow"
      def check(label, value)
        c = Snowplow::Native.json_encode_c(value)
        j = JSON.generate(value)
        raise "\#{label}: C \#{c.inspect} JSON \#{j.inspect}" unless c.nil? || c == j
        print "\#{label}=\#{c.nil? ? 'declined' : 'same'} "
      end
      check("plain", [:a, 1.5])
      class Float; def to_s = "float!"; end
      check("float", [1.5])
      check("symbol", [:a])
      class Symbol; def to_s = "symbol!"; end
      check("symbol_to_s", [:a])
      check("symbol_key", { a: 1 })
      require "json/add/symbol"
      check("json_add_symbol", [:a])
      check("json_add_symbol_key", { a: 1 })
      Snowplow::Native.json_encode_c([1.5]) && raise("float after all")
    RUBY
    out, err, status = Open3.capture3(RbConfig.ruby, "-e", script)
    assert status.success?, err
    assert_equal "plain=same float=declined symbol=same symbol_to_s=declined symbol_key=same " \
                 "json_add_symbol=declined json_add_symbol_key=same ", out
  end

  # ---- the tracker's fast path ----------------------------------------------------

  def collector = CollectorHelper.collector

  def setup
    collector.reset
    @emitter = Snowplow::Emitter.new(collector.endpoint, method: "post")
    @tracker = Snowplow::Tracker.new(@emitter)
  end

  def teardown
    @emitter.close
  end

  def sdj(data, schema = ENTITY) = Snowplow::SelfDescribingJson.new(schema, data)

  def received
    assert @tracker.flush(false, timeout: 60)
    assert_equal [], collector.bad
    collector.good.map { |r| r["event"] }
  end

  def test_fast_path_sends_what_json_generate_writes
    @unique_keys = true # the collector refuses objects with a key twice
    values = Array.new(40) { { "v" => random_value, "n" => random_string } }
    values.each_with_index do |data, i|
      @tracker.track_self_describing_event(sdj(data.merge("i" => i), ANY), [sdj({ "id" => i, "v" => data }, ANY)])
    end
    got = received.sort_by { |e| e.dig("unstruct_event", "data", "data", "i") }
    assert_equal values.size, got.size
    values.each_with_index do |data, i|
      assert_equal JSON.parse(JSON.generate(data.merge("i" => i))), got[i].dig("unstruct_event", "data", "data")
      assert_equal [{ "schema" => ANY, "data" => JSON.parse(JSON.generate({ "id" => i, "v" => data })) }],
                   got[i]["contexts"]
    end
  end

  # What the encoder declines takes the Ruby path and arrives all the same.
  def test_declined_values_take_the_ruby_path
    time = Time.at(0).utc
    data = Class.new(Hash).new.merge!("h" => 1)
    context = [sdj({ 7 => time, "big" => 2**70 }, ANY)]
    refute Snowplow::Native.track_self_describing_fast(@tracker.native, Snowplow::SelfDescribingJson, sdj(data, ANY),
                                                       context, false)
    assert_equal 0, @emitter.counter(:tracked), "declined, yet tracked"
    assert_same @tracker, @tracker.track_self_describing_event(sdj(data, ANY), context)
    assert_same @tracker, @tracker.track_page_view("https://a/", nil, nil, context)
    got = received
    assert_equal 2, got.size
    assert_equal({ "h" => 1 }, got.find { |e| e["e"] == "ue" }.dig("unstruct_event", "data", "data"))
    got.each { |e| assert_equal [{ "schema" => ANY, "data" => { "7" => time.to_s, "big" => 2**70 } }], e["contexts"] }
  end

  def assert_argument_error(pattern, &block)
    err = assert_raises(ArgumentError, &block)
    assert_match pattern, err.message
  end

  # The errors of the Ruby path, in its order; nothing is tracked.
  def test_errors_stay_the_same
    good = sdj({ "ok" => 1 })
    assert_argument_error(/cannot be encoded as JSON: .*NaN/) { @tracker.track_self_describing_event(sdj({ "x" => Float::NAN }), [good]) }
    assert_argument_error(/cannot be encoded as JSON/) { @tracker.track_self_describing_event(good, [sdj({ "x" => "\xff".b })]) }
    assert_argument_error(/cannot be encoded as JSON/) { @tracker.track_page_view("https://a/", nil, nil, [sdj({ "x" => -Float::INFINITY })]) }
    deep = (1..150).reduce([]) { |a, _| [a] }
    assert_raises(JSON::NestingError) { @tracker.track_self_describing_event(sdj({ "deep" => deep }), [good]) }
    assert_argument_error(/\Asnowplow_sdjson_new: schema: not an Iglu URI/) do
      @tracker.track_self_describing_event(sdj({}, "not-a-schema"), [good])
    end
    assert_argument_error(/\Asnowplow_sdjson_new: schema: not an Iglu URI/) do
      @tracker.track_self_describing_event(good, [good, sdj({}, "iglu:x")])
    end
    assert_argument_error(/null byte/) { @tracker.track_self_describing_event(sdj({}, "#{ENTITY}\0")) }
    assert_argument_error(/context: expected an Array/) { @tracker.track_self_describing_event(good, good) }
    assert_argument_error(/context\[1\]: expected a Snowplow::SelfDescribingJson, got Hash/) do
      @tracker.track_self_describing_event(good, [good, { "schema" => ENTITY }])
    end
    assert_argument_error(/event_json: expected a Snowplow::SelfDescribingJson, got Hash/) do
      @tracker.track_self_describing_event({ "schema" => ENTITY }, [good])
    end
    assert_argument_error(/event_json: .* got NilClass/) { @tracker.track_self_describing_event(nil, [good]) }
    assert_argument_error(/event_json: .* got NilClass/) { @tracker.track_self_describing_event(nil) }
    sub = Class.new(Snowplow::SelfDescribingJson) { def to_native = raise(ArgumentError, "subclass to_native") }
    assert_argument_error(/subclass to_native/) { @tracker.track_self_describing_event(sub.new(ENTITY, {}), [good]) }
    assert_argument_error(/subclass to_native/) { @tracker.track_self_describing_event(good, [sub.new(ENTITY, {})]) }
    # The first error met wins: the event's data, then its schema, then the contexts in order.
    assert_argument_error(/cannot be encoded as JSON/) do
      @tracker.track_self_describing_event(sdj({ "x" => Float::NAN }, "bad"), [sdj({}, "bad")])
    end
    assert_argument_error(/schema: not an Iglu URI/) { @tracker.track_self_describing_event(sdj({}, "bad"), [1]) }
    assert_argument_error(/schema: not an Iglu URI/) do
      @tracker.track_self_describing_event(good, [sdj({}, "bad"), sdj({ "x" => Float::NAN })])
    end
    assert_argument_error(/cannot be encoded as JSON/) do
      @tracker.track_self_describing_event(good, [sdj({ "x" => Float::NAN }), sdj({}, "bad")])
    end
    assert_equal 0, @emitter.counter(:tracked)
    assert_equal [], received
  end

  # Under full_policy :block, track runs without the GVL, from the fast path too.
  def test_blocking_emitter
    emitter = Snowplow::Emitter.new(collector.endpoint, method: "post", full_policy: :block, buffer_capacity: 4)
    tracker = Snowplow::Tracker.new(emitter)
    20.times { |i| tracker.track_self_describing_event(sdj({ "i" => i }, ANY), [sdj({ "id" => "b" }, ANY)]) }
    assert tracker.flush(false, timeout: 60)
    assert_equal 20, emitter.counter(:sent)
    emitter.close
  end
end
