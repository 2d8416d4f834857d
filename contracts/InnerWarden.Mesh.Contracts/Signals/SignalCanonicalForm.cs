using System.Globalization;
using System.Numerics;
using System.Text;

namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>The bytes every node signs and verifies (PROTOCOL.md "Canonical bytes").</summary>
public static class SignalCanonicalForm
{
    /// <summary><c>node_id|ip|detector|confidence|evidence_hash|ttl_secs|timestamp</c>.</summary>
    public static string Format(ThreatSignal signal) =>
        string.Join('|',
            signal.NodeId,
            signal.Ip,
            signal.Detector,
            FormatConfidence(signal.Confidence),
            signal.EvidenceHash,
            signal.TtlSecs.ToString(CultureInfo.InvariantCulture),
            signal.Timestamp.ToCanonicalString());

    /// <summary>The UTF-8 of <see cref="Format"/>.</summary>
    public static byte[] ToBytes(ThreatSignal signal) => Encoding.UTF8.GetBytes(Format(signal));

    /// <summary>
    /// The float's exact decimal value rounded to 4 places, ties to even, as Rust's <c>{:.4}</c> prints it
    /// (0.92f -> 0.9200, 0.03125f -> 0.0312). "F4" rounds ties away from zero, so it is not used.
    /// </summary>
    public static string FormatConfidence(float confidence)
    {
        if (float.IsNaN(confidence))
        {
            return "NaN";
        }
        if (float.IsInfinity(confidence))
        {
            return confidence > 0 ? "inf" : "-inf";
        }
        // A float has a 24-bit significand and 10,000 needs 14 bits, so this product is exact in a double:
        // the tie test below sees the true value, not a rounded one.
        double scaled = (double)confidence * 10_000d;
        double rounded = Math.Round(scaled, MidpointRounding.ToEven);
        var units = new BigInteger(Math.Abs(rounded));
        var whole = BigInteger.DivRem(units, 10_000, out var fraction);
        bool negative = float.IsNegative(confidence);
        return (negative ? "-" : "") + whole.ToString(CultureInfo.InvariantCulture) + "."
            + ((int)fraction).ToString("D4", CultureInfo.InvariantCulture);
    }
}
