using System.Buffers;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Audit;

/// <summary>
/// Writes an <see cref="AuditRecord"/> as one compact JSON object: snake_case names in declaration order,
/// nulls left out. By hand rather than through a serializer because a line is written per inbound signal:
/// the names are encoded once and the writer goes straight to UTF-8.
/// </summary>
internal static class AuditLineFormat
{
    private static readonly JsonEncodedText LoggedAt = JsonEncodedText.Encode("logged_at");
    private static readonly JsonEncodedText Direction = JsonEncodedText.Encode("direction");
    private static readonly JsonEncodedText NodeId = JsonEncodedText.Encode("node_id");
    private static readonly JsonEncodedText Ip = JsonEncodedText.Encode("ip");
    private static readonly JsonEncodedText Detector = JsonEncodedText.Encode("detector");
    private static readonly JsonEncodedText Confidence = JsonEncodedText.Encode("confidence");
    private static readonly JsonEncodedText TtlSecs = JsonEncodedText.Encode("ttl_secs");
    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText Signature = JsonEncodedText.Encode("signature");
    private static readonly JsonEncodedText Action = JsonEncodedText.Encode("action");
    private static readonly JsonEncodedText Reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText Detail = JsonEncodedText.Encode("detail");
    private static readonly JsonEncodedText Score = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText Remote = JsonEncodedText.Encode("remote");
    private static readonly JsonEncodedText Peers = JsonEncodedText.Encode("peers");
    private static readonly JsonEncodedText Count = JsonEncodedText.Encode("count");
    private static readonly JsonEncodedText WindowStart = JsonEncodedText.Encode("window_start");

    /// <summary>Writes the record and a newline; <paramref name="json"/> is reset onto <paramref name="output"/>.</summary>
    public static void WriteLine(Utf8JsonWriter json, IBufferWriter<byte> output, in AuditRecord record)
    {
        json.Reset(output);
        json.WriteStartObject();
        json.WriteString(LoggedAt, record.LoggedAt);
        json.WriteString(Direction, record.Direction);
        WriteIfPresent(json, NodeId, record.NodeId);
        WriteIfPresent(json, Ip, record.Ip);
        WriteIfPresent(json, Detector, record.Detector);
        if (record.Confidence is { } confidence)
        {
            WriteNumber(json, Confidence, confidence);
        }
        if (record.TtlSecs is { } ttl)
        {
            json.WriteNumber(TtlSecs, ttl);
        }
        Span<byte> text = stackalloc byte[SignalTimestamp.MaxUtf8Length];
        // Fails only for nanoseconds out of range, which no parser produces: such a line goes without it.
        if (record.Timestamp is { } timestamp && timestamp.TryFormatUtf8(text, canonical: false, out int written))
        {
            json.WriteString(Timestamp, text[..written]);
        }
        WriteIfPresent(json, Signature, record.Signature);
        json.WriteString(Action, record.Action);
        json.WriteString(Reason, record.Reason);
        WriteIfPresent(json, Detail, record.Detail);
        if (record.Score is { } score)
        {
            WriteNumber(json, Score, score);
        }
        WriteIfPresent(json, Remote, record.Remote);
        if (record.Peers is { } peers)
        {
            json.WriteNumber(Peers, peers);
        }
        if (record.Count is { } count)
        {
            json.WriteNumber(Count, count);
        }
        if (record.WindowStart is { } windowStart)
        {
            json.WriteString(WindowStart, windowStart);
        }
        json.WriteEndObject();
        json.Flush();
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
    }

    private static void WriteIfPresent(Utf8JsonWriter json, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, WellFormed(value));
        }
    }

    // JSON has no NaN or infinity and Utf8JsonWriter throws on them; a peer's MessagePack float can be either,
    // and its rejection must still be audited, so they are written as their names.
    private static void WriteNumber(Utf8JsonWriter json, JsonEncodedText name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, JsonEncodedText name, float value)
    {
        if (float.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            WriteNumber(json, name, (double)value);
        }
    }

    // Utf8JsonWriter throws on a lone surrogate. A signal's strings can come from any plugin, so a broken one is
    // written with U+FFFD in its place instead of taking the line (or the caller) down.
    private static string WellFormed(string value)
    {
        // The UTF-8 encoder's replacement fallback does the repair: each lone surrogate becomes U+FFFD.
        return value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0
            ? value
            : System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(value));
    }
}
