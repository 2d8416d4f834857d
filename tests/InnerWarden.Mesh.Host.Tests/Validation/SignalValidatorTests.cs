using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Tests.Signals;
using InnerWarden.Mesh.Host.Validation;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Validation;

public sealed class SignalValidatorTests
{
    private static readonly ThreatSignal Valid = ProtocolVectors.One.Signal;
    private const string BadSignature = "AAAA";

    private readonly FakeTimeProvider _time = new(ProtocolVectors.SignedAt);
    private readonly SignalValidator _validator;

    public SignalValidatorTests()
    {
        var policy = new AddressPolicy(["198.51.99.0/24"], static () => [IPAddress.Parse("185.220.2.2")]);
        policy.SetNamedPeerAddresses([(IPAddress.Parse("185.220.3.3"), "https://peer:8790")]);
        _validator = new SignalValidator(policy, _time);
    }

    [Fact]
    public void A_well_formed_public_signal_passes_with_its_parsed_ip()
    {
        var result = _validator.CheckFields(Valid with { Ip = "::ffff:185.220.1.7" });

        Assert.True(result.IsValid);
        Assert.Equal(ValidationResult.Ok(IPAddress.Parse("185.220.1.7")), result);
    }

    public static TheoryData<string, RejectReason, string> Broken => new()
    {
        { "node_id upper case", RejectReason.InvalidField, "node_id" },
        { "node_id short", RejectReason.InvalidField, "node_id" },
        { "evidence_hash not hex", RejectReason.InvalidField, "evidence_hash" },
        { "detector empty", RejectReason.InvalidField, "detector" },
        { "detector too long", RejectReason.InvalidField, "detector" },
        { "detector too many characters", RejectReason.InvalidField, "detector" },
        { "detector with newline", RejectReason.InvalidField, "detector" },
        { "detector with tab", RejectReason.InvalidField, "detector" },
        { "detector with escape", RejectReason.InvalidField, "detector" },
        { "detector with DEL", RejectReason.InvalidField, "detector" },
        { "detector with C1 control", RejectReason.InvalidField, "detector" },
        { "detector with lone surrogate", RejectReason.InvalidField, "detector" },
        { "signature short", RejectReason.InvalidField, "signature" },
        { "confidence NaN", RejectReason.InvalidConfidence, "confidence NaN" },
        { "confidence infinite", RejectReason.InvalidConfidence, "confidence" },
        { "confidence negative", RejectReason.InvalidConfidence, "confidence -0.1" },
        { "confidence above one", RejectReason.InvalidConfidence, "confidence 1.0000001" },
        { "ip garbage", RejectReason.InvalidIp, "not an IPv4 address" },
        { "ip with port", RejectReason.InvalidIp, "ip" },
        { "ip with zone", RejectReason.InvalidIp, "zone" },
        { "ip private", RejectReason.PrivateIp, "10.0.0.0/8" },
        { "ip documentation v6", RejectReason.PrivateIp, "2001:db8::/32" },
        { "ip allowlisted", RejectReason.Allowlisted, "allowlist entry 198.51.99.0/24" },
        { "ip own", RejectReason.Allowlisted, "address of this node" },
        { "ip peer", RejectReason.Allowlisted, "address of peer https://peer:8790" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Each_bad_field_gives_its_reason_code(string change, RejectReason reason, string detailWords)
    {
        var result = _validator.CheckFields(Break(Valid, change));

        Assert.Equal(reason, result.Reason);
        Assert.Contains(detailWords, result.Detail, StringComparison.Ordinal);
        Assert.Null(result.Ip);
    }

    [Fact]
    public void Control_characters_in_a_field_do_not_reach_the_detail()
    {
        var result = _validator.CheckFields(Valid with { Detector = "evil\nFAKE LOG LINE" });

        Assert.Equal(RejectReason.InvalidField, result.Reason);
        Assert.DoesNotContain('\n', result.Detail!);
    }

    [Theory]
    // Field format comes first, then confidence, then the IP; the signature is not looked at here at all.
    [InlineData("node_id short|confidence NaN|ip private", RejectReason.InvalidField)]
    [InlineData("evidence_hash not hex|ip private", RejectReason.InvalidField)]
    [InlineData("signature short|confidence NaN", RejectReason.InvalidField)]
    [InlineData("confidence NaN|ip garbage", RejectReason.InvalidConfidence)]
    [InlineData("ip private|signature tampered", RejectReason.PrivateIp)]
    [InlineData("ip own|signature tampered", RejectReason.Allowlisted)]
    public void Cheap_checks_run_in_order_and_the_first_failure_wins(string changes, RejectReason reason)
    {
        var signal = changes.Split('|').Aggregate(Valid, Break);

        Assert.Equal(reason, _validator.CheckFields(signal).Reason);
    }

    [Fact]
    public void A_validly_encoded_but_wrong_signature_passes_the_cheap_checks() =>
        Assert.True(_validator.CheckFields(Break(Valid, "signature tampered")).IsValid);

    [Theory]
    [InlineData(0L, RejectReason.None)]
    [InlineData(-3_600_000_000_000L, RejectReason.None)]
    [InlineData(-3_600_000_000_001L, RejectReason.TimestampTooOld)]
    [InlineData(300_000_000_000L, RejectReason.None)]
    [InlineData(300_000_000_001L, RejectReason.TimestampTooFarFuture)]
    [InlineData(-86_400_000_000_000L * 3, RejectReason.TimestampTooOld)]
    public void Freshness_allows_five_minutes_ahead_and_one_hour_old_to_the_nanosecond(long offsetNanos, RejectReason expected)
    {
        var now = SignalTimestamp.FromDateTimeOffset(_time.GetUtcNow());
        long seconds = Math.DivRem(offsetNanos, 1_000_000_000L, out long nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000L;
        }
        var signal = Valid with { Timestamp = new SignalTimestamp(now.UnixSeconds + seconds, (int)nanos) };

        var result = _validator.CheckFreshness(signal);

        Assert.Equal(expected, result.Reason);
    }

    [Fact]
    public void Freshness_follows_the_clock()
    {
        var signal = Valid with { Timestamp = SignalTimestamp.FromDateTimeOffset(_time.GetUtcNow()) };
        Assert.True(_validator.CheckFreshness(signal).IsValid);

        _time.Advance(SignalValidator.MaxAge + TimeSpan.FromTicks(1));

        var result = _validator.CheckFreshness(signal);
        Assert.Equal(RejectReason.TimestampTooOld, result.Reason);
        Assert.Contains("1 h old", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_timestamp_at_the_end_of_time_is_too_far_ahead_without_overflow()
    {
        Assert.True(SignalTimestamp.TryParse("9999-12-31T23:59:59.999999999Z", out var end, out _));

        var result = _validator.CheckFreshness(Valid with { Timestamp = end });

        Assert.Equal(RejectReason.TimestampTooFarFuture, result.Reason);
    }

    private static ThreatSignal Break(ThreatSignal s, string change) => change switch
    {
        "node_id upper case" => s with { NodeId = s.NodeId.ToUpperInvariant() },
        "node_id short" => s with { NodeId = s.NodeId[1..] },
        "evidence_hash not hex" => s with { EvidenceHash = "g" + s.EvidenceHash[1..] },
        "detector empty" => s with { Detector = "" },
        "detector too long" => s with { Detector = new string('a', SignalValidator.MaxDetectorLength + 1) },
        // 129 characters of two UTF-16 units each: counted as characters, not units.
        "detector too many characters" => s with { Detector = string.Concat(Enumerable.Repeat("\U0001F525", SignalValidator.MaxDetectorLength + 1)) },
        "detector with newline" => s with { Detector = "web-scan\nnginx" },
        "detector with tab" => s with { Detector = "web-scan\tnginx" },
        "detector with escape" => s with { Detector = "web-scan\u001b[2J" },
        "detector with DEL" => s with { Detector = "web-scan\u007f" },
        "detector with C1 control" => s with { Detector = "web-scan\u0085" },
        "detector with lone surrogate" => s with { Detector = "web-scan\ud800" },
        "signature short" => s with { Signature = BadSignature },
        "signature tampered" => s with { Signature = Convert.ToBase64String(new byte[64]) },
        "confidence NaN" => s with { Confidence = float.NaN },
        "confidence infinite" => s with { Confidence = float.PositiveInfinity },
        "confidence negative" => s with { Confidence = -0.1f },
        "confidence above one" => s with { Confidence = 1.0000001f },
        "ip garbage" => s with { Ip = "attacker" },
        "ip with port" => s with { Ip = "185.220.1.7:22" },
        "ip with zone" => s with { Ip = "2a01:4f8::1%eth0" },
        "ip private" => s with { Ip = "10.1.2.3" },
        "ip documentation v6" => s with { Ip = "2001:db8::1" },
        "ip allowlisted" => s with { Ip = "198.51.99.7" },
        "ip own" => s with { Ip = "185.220.2.2" },
        "ip peer" => s with { Ip = "185.220.3.3" },
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };

    /// <summary>Detector texts the original signs and this node must accept (issue 15 item 5).</summary>
    public static TheoryData<string> AcceptedDetectors => new()
    {
        "web-scan/nginx",
        "ssh brute",
        "ssh|brute",
        "sshé",
        "检测器",
        "a",
        "web scan (nginx) \"quoted\" \\ back",
        "line\u2028separator",
        new string('x', SignalValidator.MaxDetectorLength),
        string.Concat(Enumerable.Repeat("\U0001F525", SignalValidator.MaxDetectorLength)),
    };

    [Theory]
    [MemberData(nameof(AcceptedDetectors))]
    public void Any_detector_text_of_1_to_128_characters_without_control_characters_passes(string detector) =>
        Assert.True(_validator.CheckFields(Valid with { Detector = detector }).IsValid);

    [Fact]
    public void A_detector_of_exactly_the_maximum_length_passes() =>
        Assert.True(_validator.CheckFields(Valid with { Detector = "a:b.c-d_" + new string('x', SignalValidator.MaxDetectorLength - 8) }).IsValid);
}
