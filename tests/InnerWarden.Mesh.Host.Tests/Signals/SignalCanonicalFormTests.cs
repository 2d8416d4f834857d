using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Tests.Signals;

public sealed class SignalCanonicalFormTests
{
    [Theory]
    [InlineData(0.92f, "0.9200")]
    [InlineData(0.03125f, "0.0312")]
    [InlineData(0.85f, "0.8500")]
    [InlineData(1.0f, "1.0000")]
    [InlineData(0.0f, "0.0000")]
    [InlineData(0.00005f, "0.0000")]
    [InlineData(0.09375f, "0.0938")]
    public void Confidence_is_rounded_to_four_places_ties_to_even(float value, string expected) =>
        Assert.Equal(expected, SignalCanonicalForm.FormatConfidence(value));

    [Theory]
    [InlineData(-0.5f, "-0.5000")]
    [InlineData(123456789f, "123456792.0000")]
    [InlineData(2e11f, "199999995904.0000")]
    [InlineData(1e30f, "1000000015047466219876688855040.0000")]
    [InlineData(float.MaxValue, "340282346638528859811704183484516925440.0000")]
    [InlineData(float.MinValue, "-340282346638528859811704183484516925440.0000")]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "inf")]
    [InlineData(float.NegativeInfinity, "-inf")]
    public void Confidence_outside_zero_to_one_is_still_written_exactly(float value, string expected) =>
        Assert.Equal(expected, SignalCanonicalForm.FormatConfidence(value));

    [Property(MaxTest = 300)]
    public Property Canonical_bytes_are_the_utf8_of_the_fields_joined_by_bars() =>
        Prop.ForAll(
            ArbMap.Default.ArbFor<NonNull<string>>(),
            ArbMap.Default.ArbFor<NonNull<string>>(),
            Gen.Choose(0, 1_000_000_000).Select(n => (long)n * 7).ToArbitrary(),
            (ip, detector, seconds) =>
            {
                var signal = Sample with { Ip = ip.Get, Detector = detector.Get, TtlSecs = (ulong)seconds, Timestamp = new SignalTimestamp(seconds, (int)(seconds % 1_000_000_000)) };
                byte[] expected = Encoding.UTF8.GetBytes(string.Join('|', signal.NodeId, signal.Ip, signal.Detector,
                    SignalCanonicalForm.FormatConfidence(signal.Confidence), signal.EvidenceHash,
                    signal.TtlSecs.ToString(CultureInfo.InvariantCulture), signal.Timestamp.ToCanonicalString()));
                var buffer = new byte[SignalCanonicalForm.MaxUtf8Length(signal)];
                return SignalCanonicalForm.TryWrite(signal, buffer, out int written)
                    && buffer.AsSpan(0, written).SequenceEqual(expected)
                    && SignalCanonicalForm.ToBytes(signal).AsSpan().SequenceEqual(expected);
            });

    [Fact]
    public void Broken_utf16_in_a_field_is_written_as_the_replacement_character_like_any_utf8_encoder()
    {
        var signal = Sample with { Detector = "ssh\ud800x", Ip = "\udc00" };

        byte[] expected = Encoding.UTF8.GetBytes(string.Join('|', signal.NodeId, signal.Ip, signal.Detector, "0.9200",
            signal.EvidenceHash, "3600", signal.Timestamp.ToCanonicalString()));

        Assert.Equal(expected, SignalCanonicalForm.ToBytes(signal));
    }

    [Fact]
    public void A_buffer_one_byte_short_is_refused_not_overrun()
    {
        byte[] full = SignalCanonicalForm.ToBytes(Sample);
        for (int size = 0; size < full.Length; size++)
        {
            var buffer = new byte[size];
            Assert.False(SignalCanonicalForm.TryWrite(Sample, buffer, out _), $"a {size}-byte buffer");
        }
        Assert.True(SignalCanonicalForm.TryWrite(Sample, new byte[full.Length], out int written));
        Assert.Equal(full.Length, written);
    }

    [Theory]
    [InlineData("J", "2026-03-27T12:34:56.123456789Z")]
    [InlineData("", "2026-03-27T12:34:56.123456789Z")]
    [InlineData("C", "2026-03-27T12:34:56.123456789+00:00")]
    public void Timestamp_formats_as_utf8_in_either_form(string format, string expected)
    {
        var ts = new SignalTimestamp(DateTimeOffset.Parse("2026-03-27T12:34:56Z", CultureInfo.InvariantCulture).ToUnixTimeSeconds(), 123_456_789);
        var buffer = new byte[SignalTimestamp.MaxUtf8Length];
        Assert.True(ts.TryFormat(buffer, out int written, format, CultureInfo.InvariantCulture));
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer, 0, written));
        Assert.False(ts.TryFormat(buffer.AsSpan(0, written - 1), out _, format, CultureInfo.InvariantCulture));
        Assert.Throws<FormatException>(() => ts.TryFormat(buffer, out _, "x", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_000_000_000)]
    public void A_timestamp_with_nanoseconds_out_of_range_has_no_text_form(int nanos)
    {
        var ts = new SignalTimestamp(1_774_614_896, nanos);
        Assert.False(ts.TryFormatUtf8(new byte[SignalTimestamp.MaxUtf8Length], canonical: true, out _));
        Assert.False(SignalCanonicalForm.TryWrite(Sample with { Timestamp = ts }, new byte[1024], out _));
    }

    [Property(MaxTest = 500)]
    public Property Hand_written_timestamp_digits_match_the_framework_formatter() =>
        Prop.ForAll(
            Gen.Choose(-62_135_596, 253_402_300).Select(n => (long)n * 1_000 + n % 1_000).ToArbitrary(),
            Gen.Choose(0, 999_999_999).ToArbitrary(),
            (seconds, nanos) =>
            {
                var ts = new SignalTimestamp(seconds, nanos);
                string whole = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
                return ts.ToCanonicalString().StartsWith(whole, StringComparison.Ordinal) && ts.ToJsonString().StartsWith(whole, StringComparison.Ordinal);
            });

    private static readonly ThreatSignal Sample = new(
        "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664", "185.220.1.7", "ssh_bruteforce", 0.92f,
        "527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c", 3600, new SignalTimestamp(1_774_614_896, 123_456_789), "");

    [Theory]
    [InlineData(0, "2026-03-27T12:34:56+00:00")]
    [InlineData(500_000_000, "2026-03-27T12:34:56.500+00:00")]
    [InlineData(123_456_000, "2026-03-27T12:34:56.123456+00:00")]
    [InlineData(123_456_789, "2026-03-27T12:34:56.123456789+00:00")]
    [InlineData(1, "2026-03-27T12:34:56.000000001+00:00")]
    public void Timestamp_fraction_uses_the_fewest_of_3_6_9_digits(int nanos, string expected)
    {
        var ts = new SignalTimestamp(DateTimeOffset.Parse("2026-03-27T12:34:56Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds(), nanos);
        Assert.Equal(expected, ts.ToCanonicalString());
        Assert.True(SignalTimestamp.TryParse(ts.ToJsonString(), out var back, out _));
        Assert.Equal(ts, back);
    }

    [Fact]
    public void Json_timestamp_with_offset_is_converted_to_utc()
    {
        Assert.True(SignalTimestamp.TryParse("2026-03-27T14:34:56.5+02:00", out var ts, out _));
        Assert.Equal("2026-03-27T12:34:56.500+00:00", ts.ToCanonicalString());
    }

    [Fact]
    public void Vector_one_parses_and_yields_the_canonical_text()
    {
        const string json = """{"node_id": "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664", "ip": "185.220.1.7", "detector": "ssh_bruteforce", "confidence": 0.92, "evidence_hash": "527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c", "ttl_secs": 3600, "timestamp": "2026-03-27T12:34:56.123456789Z", "signature": "lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEfDA=="}""";
        var parsed = ThreatSignalJson.Parse(json);
        Assert.Null(parsed.Error);
        Assert.Equal(
            "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664|185.220.1.7|ssh_bruteforce|0.9200|527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c|3600|2026-03-27T12:34:56.123456789+00:00",
            parsed.Signal!.CanonicalText());
        var again = ThreatSignalJson.Parse(ThreatSignalJson.ToJson(parsed.Signal));
        Assert.Equal(parsed.Signal, again.Signal);
    }

    [Theory]
    [InlineData("", "empty body")]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("""{"ip":"1.2.3.4"}""", "missing field `node_id`")]
    [InlineData("""{"node_id":1}""", "invalid type for `node_id`")]
    [InlineData("""{"node_id":"a","node_id":"b"}""", "duplicate field `node_id`")]
    [InlineData("{", "malformed JSON")]
    public void Bad_json_gives_a_reason_and_no_signal(string json, string reasonStart)
    {
        var parsed = ThreatSignalJson.Parse(json);
        Assert.Null(parsed.Signal);
        Assert.StartsWith(reasonStart, parsed.Error, StringComparison.Ordinal);
    }
}
