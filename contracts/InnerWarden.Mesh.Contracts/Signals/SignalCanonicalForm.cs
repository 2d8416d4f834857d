using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Unicode;

namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>The bytes every node signs and verifies (docs/protocol.md "Canonical bytes").</summary>
/// <remarks>
/// The UTF-8 writer is the one implementation; the string forms decode what it wrote. Verification writes the
/// bytes straight into a stack buffer, so judging a signal allocates no canonical text.
/// </remarks>
public static class SignalCanonicalForm
{
    // "-" + 39 digits (float.MaxValue * 10^4 is below 10^43, so the whole part has at most 39) + "." + 4.
    private const int MaxConfidenceLength = 45;

    private const int SeparatorCount = 6;

    /// <summary><c>node_id|ip|detector|confidence|evidence_hash|ttl_secs|timestamp</c>.</summary>
    public static string Format(ThreatSignal signal) => Encoding.UTF8.GetString(ToBytes(signal));

    /// <summary>The UTF-8 of <see cref="Format"/>.</summary>
    public static byte[] ToBytes(ThreatSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxUtf8Length(signal));
        try
        {
            if (!TryWrite(signal, buffer, out int written))
            {
                throw new InvalidOperationException("the canonical form outgrew its computed maximum length");
            }
            return buffer[..written];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>An upper bound of the canonical bytes' length, for sizing a buffer for <see cref="TryWrite"/>.</summary>
    public static int MaxUtf8Length(ThreatSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        long chars = (long)signal.NodeId.Length + signal.Ip.Length + signal.Detector.Length + signal.EvidenceHash.Length;
        // Up to 3 UTF-8 bytes per UTF-16 unit (a surrogate pair is 2 units for 4 bytes).
        return checked((int)(chars * 3) + MaxConfidenceLength + 20 + SignalTimestamp.MaxUtf8Length + SeparatorCount);
    }

    /// <summary>Writes the canonical bytes; false when <paramref name="destination"/> is too small.</summary>
    public static bool TryWrite(ThreatSignal signal, Span<byte> destination, out int bytesWritten)
    {
        ArgumentNullException.ThrowIfNull(signal);
        bytesWritten = 0;
        var invariant = CultureInfo.InvariantCulture;
        if (!Utf8.TryWrite(destination, invariant, $"{signal.NodeId}|{signal.Ip}|{signal.Detector}|", out int head)
            || !TryWriteConfidence(signal.Confidence, destination[head..], out int confidence))
        {
            return false;
        }
        int at = head + confidence;
        if (!Utf8.TryWrite(destination[at..], invariant, $"|{signal.EvidenceHash}|{signal.TtlSecs}|{signal.Timestamp:C}", out int tail))
        {
            return false;
        }
        bytesWritten = at + tail;
        return true;
    }

    /// <summary>
    /// The float's exact decimal value rounded to 4 places, ties to even, as Rust's <c>{:.4}</c> prints it
    /// (0.92f -> 0.9200, 0.03125f -> 0.0312). "F4" rounds ties away from zero, so it is not used.
    /// </summary>
    public static string FormatConfidence(float confidence)
    {
        Span<byte> utf8 = stackalloc byte[MaxConfidenceLength];
        if (!TryWriteConfidence(confidence, utf8, out int written))
        {
            throw new InvalidOperationException($"confidence {confidence} does not fit {MaxConfidenceLength} bytes");
        }
        return Encoding.UTF8.GetString(utf8[..written]);
    }

    private static bool TryWriteConfidence(float confidence, Span<byte> destination, out int written)
    {
        written = 0;
        if (float.IsNaN(confidence) || float.IsInfinity(confidence))
        {
            ReadOnlySpan<byte> name = float.IsNaN(confidence) ? "NaN"u8 : confidence > 0 ? "inf"u8 : "-inf"u8;
            written = name.Length;
            return name.TryCopyTo(destination);
        }
        // A float has a 24-bit significand and 10,000 needs 14 bits, so this product is exact in a double:
        // the tie test below sees the true value, not a rounded one.
        double rounded = Math.Abs(Math.Round((double)confidence * 10_000d, MidpointRounding.ToEven));
        string sign = float.IsNegative(confidence) ? "-" : "";
        var invariant = CultureInfo.InvariantCulture;
        if (rounded < 1e15)
        {
            // Every real confidence (0-1, and far beyond): whole units fit a long exactly.
            long whole = Math.DivRem((long)rounded, 10_000, out long fraction);
            return Utf8.TryWrite(destination, invariant, $"{sign}{whole}.{fraction:D4}", out written);
        }
        var big = BigInteger.DivRem(new BigInteger(rounded), 10_000, out var bigFraction);
        return Utf8.TryWrite(destination, invariant, $"{sign}{big}.{(int)bigFraction:D4}", out written);
    }
}
