using System.Net;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Signals;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Signals;

public sealed class SignalSignerTests : IDisposable
{
    private readonly NodeIdentity _identity = NodeIdentity.FromSeed(ProtocolVectors.Seed);
    private readonly FakeTimeProvider _time = new(ProtocolVectors.SignedAt.AddTicks(1_234_567));

    public void Dispose() => _identity.Dispose();

    [Fact]
    public void A_detection_becomes_a_signal_stamped_now_with_the_evidence_hash_and_a_valid_signature()
    {
        var signer = new SignalSigner(_identity, _time);
        var detection = new Detection(IPAddress.Parse("185.220.1.7"), "ssh_bruteforce", 0.92f, "incident evidence json", _time.GetUtcNow().AddHours(-1));

        var signal = signer.Create(detection, 3600);

        Assert.Equal(ProtocolVectors.NodeId, signal.NodeId);
        Assert.Equal("185.220.1.7", signal.Ip);
        Assert.Equal(0.92f, signal.Confidence);
        Assert.Equal(ProtocolVectors.One.EvidenceHash, signal.EvidenceHash);
        Assert.Equal(3600ul, signal.TtlSecs);
        Assert.Equal(SignalTimestamp.FromDateTimeOffset(_time.GetUtcNow()), signal.Timestamp);
        Assert.Equal("2026-03-27T12:34:56.123456700+00:00", signal.Timestamp.ToCanonicalString());
        Assert.True(SignalVerifier.Verify(signal));
    }

    [Fact]
    public void An_ipv4_mapped_detection_is_signed_in_dotted_form()
    {
        var signer = new SignalSigner(_identity, _time);
        var detection = new Detection(IPAddress.Parse("::ffff:185.220.1.7"), "ssh_bruteforce", 1f, "x", _time.GetUtcNow());

        Assert.Equal("185.220.1.7", signer.Create(detection, 60).Ip);
    }

    [Fact]
    public void A_scope_id_is_not_part_of_the_signed_ip()
    {
        var signer = new SignalSigner(_identity, _time);
        var detection = new Detection(IPAddress.Parse("2a01:4f8::1%3"), "ssh_bruteforce", 1f, "x", _time.GetUtcNow());

        Assert.Equal("2a01:4f8::1", signer.Create(detection, 60).Ip);
    }

    [Property(MaxTest = 200)]
    public bool Every_signed_signal_verifies_and_survives_a_json_round_trip(byte confidenceStep, ulong ttl, uint nanos, uint seconds)
    {
        var signer = new SignalSigner(_identity, _time);
        float confidence = confidenceStep / 255f;
        var ts = new SignalTimestamp(seconds, (int)(nanos % 1_000_000_000));

        var signal = signer.Create("2a01:4f8::1", "sshd", confidence, "evidence", ttl, ts);
        var back = ThreatSignalJson.Parse(ThreatSignalJson.ToJson(signal)).Signal;

        return SignalVerifier.Verify(signal) && back == signal && SignalVerifier.Verify(back);
    }

    [Property(MaxTest = 500)]
    public Property Canonical_confidence_is_the_exact_value_rounded_half_to_even() =>
        Prop.ForAll(
            Gen.Choose(0, 1 << 24).Select(n => (float)n / (1 << 24)).ToArbitrary(),
            value => SignalCanonicalForm.FormatConfidence(value) == ExactRounding(value));

    // Independent oracle: the float as an exact fraction m / 2^k, times 10,000, rounded half to even in integers.
    private static string ExactRounding(float value)
    {
        int bits = BitConverter.SingleToInt32Bits(value);
        int exponent = (bits >> 23) & 0xFF;
        BigInteger mantissa = bits & 0x7FFFFF;
        if (exponent != 0)
        {
            mantissa += 1 << 23;
        }
        int shift = 150 - Math.Max(exponent, 1);
        var numerator = mantissa * 10_000;
        var denominator = BigInteger.Pow(2, shift);
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven))
        {
            quotient++;
        }
        var whole = BigInteger.DivRem(quotient, 10_000, out var fraction);
        return $"{whole}.{(int)fraction:D4}";
    }
}
