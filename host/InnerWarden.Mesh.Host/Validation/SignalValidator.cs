using System.Buffers;
using System.Globalization;
using System.Text;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Signals;

namespace InnerWarden.Mesh.Host.Validation;

/// <summary>
/// The cheap checks of an inbound signal, run before the Ed25519 verification (<see cref="SignalVerifier"/>)
/// so garbage costs little. Each step returns the first problem with its docs/protocol.md reason code.
/// </summary>
internal sealed class SignalValidator(AddressPolicy addresses, TimeProvider time)
{
    /// <summary>
    /// Longest detector text accepted, in characters (Unicode scalar values). The original signs any detector text, so
    /// anything of 1-128 characters without control characters is accepted; it is escaped wherever it is printed.
    /// </summary>
    public const int MaxDetectorLength = 128;

    /// <summary>How far ahead of this node's clock a timestamp may be (clock skew).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>How old a signal may be when it arrives.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    /// <summary>
    /// Field format, then confidence, then the IP (parse, then <see cref="AddressPolicy.Classify"/>).
    /// On success the result carries the normalized IP.
    /// </summary>
    public ValidationResult CheckFields(ThreatSignal signal)
    {
        Span<byte> signature = stackalloc byte[SignalEncoding.SignatureLength];
        return CheckFields(signal, signature);
    }

    /// <summary>
    /// <see cref="CheckFields(ThreatSignal)"/>, leaving the decoded signature in <paramref name="signature"/>
    /// (64 bytes) so the pipeline's dedup and verify steps do not decode it again.
    /// </summary>
    public ValidationResult CheckFields(ThreatSignal signal, Span<byte> signature)
    {
        var format = CheckFormat(signal, signature);
        if (!format.IsValid)
        {
            return format;
        }
        var confidence = CheckConfidence(signal);
        return confidence.IsValid ? CheckIp(signal) : confidence;
    }

    /// <summary>node_id, evidence_hash, detector and signature are well formed (<see cref="RejectReason.InvalidField"/>).</summary>
    public static ValidationResult CheckFormat(ThreatSignal signal)
    {
        Span<byte> signature = stackalloc byte[SignalEncoding.SignatureLength];
        return CheckFormat(signal, signature);
    }

    private static ValidationResult CheckFormat(ThreatSignal signal, Span<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (!SignalEncoding.IsLowerHex64(signal.NodeId))
        {
            return ValidationResult.Fail(RejectReason.InvalidField, $"node_id '{Shorten(signal.NodeId)}' is not 64 lowercase hex");
        }
        if (!SignalEncoding.IsLowerHex64(signal.EvidenceHash))
        {
            return ValidationResult.Fail(RejectReason.InvalidField, $"evidence_hash '{Shorten(signal.EvidenceHash)}' is not 64 lowercase hex");
        }
        if (!IsDetectorText(signal.Detector))
        {
            return ValidationResult.Fail(RejectReason.InvalidField,
                $"detector '{Shorten(signal.Detector)}' must be 1-{MaxDetectorLength} characters without control characters");
        }
        if (!SignalEncoding.TryDecodeSignature(signal.Signature, signature))
        {
            return ValidationResult.Fail(RejectReason.InvalidField,
                $"signature '{Shorten(signal.Signature)}' is not standard base64 of 64 bytes");
        }
        return ValidationResult.Ok();
    }

    /// <summary>Confidence is finite and in [0, 1] (<see cref="RejectReason.InvalidConfidence"/>).</summary>
    public static ValidationResult CheckConfidence(ThreatSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        float c = signal.Confidence;
        return float.IsFinite(c) && c >= 0f && c <= 1f
            ? ValidationResult.Ok()
            : ValidationResult.Fail(RejectReason.InvalidConfidence,
                $"confidence {c.ToString("R", CultureInfo.InvariantCulture)} is not a number in [0, 1]");
    }

    /// <summary>
    /// The IP parses (<see cref="RejectReason.InvalidIp"/>) and may be blocked
    /// (<see cref="RejectReason.PrivateIp"/>, <see cref="RejectReason.Allowlisted"/>).
    /// </summary>
    public ValidationResult CheckIp(ThreatSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (!IpAddressText.TryParse(signal.Ip, out var ip, out var error))
        {
            return ValidationResult.Fail(RejectReason.InvalidIp, "ip " + error);
        }
        var verdict = addresses.Classify(ip);
        return verdict.IsBlockable
            ? ValidationResult.Ok(ip)
            : new ValidationResult(verdict.Reason, $"ip {signal.Ip} is {verdict.Detail}", null);
    }

    /// <summary>
    /// The timestamp is at most <see cref="MaxFutureSkew"/> ahead of now (<see cref="RejectReason.TimestampTooFarFuture"/>)
    /// and at most <see cref="MaxAge"/> old (<see cref="RejectReason.TimestampTooOld"/>), to the nanosecond.
    /// </summary>
    public ValidationResult CheckFreshness(ThreatSignal signal) => CheckFreshness(signal, time.GetUtcNow());

    /// <summary><see cref="CheckFreshness(ThreatSignal)"/> against the caller's clock reading.</summary>
    public static ValidationResult CheckFreshness(ThreatSignal signal, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var now = SignalTimestamp.FromDateTimeOffset(at);
        Int128 aheadNanos = NanosBetween(now, signal.Timestamp);
        if (aheadNanos > MaxFutureSkew.Ticks * 100L)
        {
            return ValidationResult.Fail(RejectReason.TimestampTooFarFuture,
                $"timestamp {signal.Timestamp} is {Describe(aheadNanos)} ahead of this node's clock (at most {Describe(MaxFutureSkew)})");
        }
        if (-aheadNanos > MaxAge.Ticks * 100L)
        {
            return ValidationResult.Fail(RejectReason.TimestampTooOld,
                $"timestamp {signal.Timestamp} is {Describe(-aheadNanos)} old (at most {Describe(MaxAge)})");
        }
        return ValidationResult.Ok();
    }

    private static Int128 NanosBetween(SignalTimestamp from, SignalTimestamp to) =>
        ((Int128)to.UnixSeconds - from.UnixSeconds) * 1_000_000_000 + (to.Nanoseconds - from.Nanoseconds);

    private static string Describe(Int128 nanos) =>
        nanos >= (Int128)TimeSpan.MaxValue.Ticks * 100 ? "over 10,000 years" : Describe(TimeSpan.FromTicks((long)(nanos / 100)));

    // Rounded down to the largest whole unit: this is for people reading logs and CLI output.
    private static string Describe(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => $"{(long)span.TotalDays} d",
        { TotalHours: >= 1 } => $"{(long)span.TotalHours} h",
        { TotalMinutes: >= 1 } => $"{(long)span.TotalMinutes} min",
        { TotalSeconds: >= 1 } => $"{(long)span.TotalSeconds} s",
        _ => $"{span.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms",
    };

    /// <summary>
    /// 1-<see cref="MaxDetectorLength"/> Unicode scalar values, none a control character (C0, DEL, C1) and no lone
    /// surrogate (which is not text, and which the parsers already refuse).
    /// </summary>
    public static bool IsDetectorText(string? detector)
    {
        if (string.IsNullOrEmpty(detector) || detector.Length > 2 * MaxDetectorLength)
        {
            return false;
        }
        int count = 0;
        var rest = detector.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out int used) != OperationStatus.Done || Rune.IsControl(rune) || ++count > MaxDetectorLength)
            {
                return false;
            }
            rest = rest[used..];
        }
        return true;
    }

    // Details end up in logs and replies: cut long values and blank out control characters (no log forging).
    private static string Shorten(string? text)
    {
        if (text is null)
        {
            return "(null)";
        }
        var cut = text.Length <= 72 ? text : text[..72] + "...";
        return string.Create(cut.Length, cut, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }
}
