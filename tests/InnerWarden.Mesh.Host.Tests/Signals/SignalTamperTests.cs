using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Signals;

namespace InnerWarden.Mesh.Host.Tests.Signals;

public sealed class SignalTamperTests
{
    private static readonly ThreatSignal Original = ProtocolVectors.One.Signal;

    public static TheoryData<string> Tampers => new()
    {
        "node_id", "ip", "detector", "confidence", "evidence_hash", "ttl_secs", "timestamp +1 ns", "timestamp +1 s",
        "signature", "node_id of another key",
    };

    [Fact]
    public void The_untampered_signal_verifies() => Assert.True(SignalVerifier.Verify(Original));

    [Theory]
    [MemberData(nameof(Tampers))]
    public void Changing_any_signed_field_breaks_the_signature(string field)
    {
        var tampered = Tamper(Original, field);

        Assert.NotEqual(Original, tampered);
        Assert.False(SignalVerifier.Verify(tampered));
    }

    [Theory]
    [InlineData("")]
    [InlineData("79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad04966")]
    [InlineData("79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496640")]
    [InlineData("zzb5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664")]
    public void A_node_id_that_is_not_64_hex_fails_without_throwing(string nodeId) =>
        Assert.False(SignalVerifier.Verify(Original with { NodeId = nodeId }));

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    // 63 bytes and 65 bytes of base64.
    [InlineData("lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEf")]
    [InlineData("lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEfDAA=")]
    // The same 64 bytes spelt differently: unused low bits set in the last character, and a space inside.
    [InlineData("lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEfDB==")]
    [InlineData("lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEf DA==")]
    public void A_signature_that_is_not_canonical_base64_of_64_bytes_fails_without_throwing(string signature) =>
        Assert.False(SignalVerifier.Verify(Original with { Signature = signature }));

    [Fact]
    public void An_oversized_garbage_field_fails_without_throwing() =>
        Assert.False(SignalVerifier.Verify(Original with { Detector = new string('x', 5000) }));

    private static ThreatSignal Tamper(ThreatSignal s, string field) => field switch
    {
        "node_id" => s with { NodeId = "0" + s.NodeId[1..] },
        "ip" => s with { Ip = "185.220.1.8" },
        "detector" => s with { Detector = "port_scan" },
        // 0.93 formats differently; a nearby float that formats the same is not a change of the signed bytes.
        "confidence" => s with { Confidence = 0.93f },
        "evidence_hash" => s with { EvidenceHash = "627e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c" },
        "ttl_secs" => s with { TtlSecs = s.TtlSecs + 1 },
        "timestamp +1 ns" => s with { Timestamp = s.Timestamp with { Nanoseconds = s.Timestamp.Nanoseconds + 1 } },
        "timestamp +1 s" => s with { Timestamp = s.Timestamp with { UnixSeconds = s.Timestamp.UnixSeconds + 1 } },
        "signature" => s with { Signature = FlipFirstByte(s.Signature) },
        "node_id of another key" => s with { NodeId = OtherNodeId() },
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    private static string FlipFirstByte(string signature)
    {
        var bytes = Convert.FromBase64String(signature);
        bytes[0] ^= 0x01;
        return Convert.ToBase64String(bytes);
    }

    private static string OtherNodeId()
    {
        using var other = NodeIdentity.FromSeed(new byte[32]);
        return other.NodeId;
    }
}
