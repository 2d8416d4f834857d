using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>
/// The original nodes' JSON form of a signal (docs/protocol.md). Parsing is strict about the eight fields'
/// presence and types, ignores unknown fields (as the original does), and never throws on bad input.
/// </summary>
public static class ThreatSignalJson
{
    /// <summary>Nesting allowed in a signal object; a signal is flat, unknown fields may nest a little.</summary>
    public const int MaxDepth = 8;

    /// <summary>Longest string accepted in any field; real values are at most 88 characters (signature).</summary>
    public const int MaxFieldLength = 256;

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>Parses one signal object from UTF-8 JSON.</summary>
    public static SignalParseResult Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return SignalParseResult.Fail("empty body");
        }
        try
        {
            var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
            if (!reader.Read())
            {
                return SignalParseResult.Fail("empty body");
            }
            var result = ReadObject(ref reader);
            if (result.Error is null && reader.Read())
            {
                return SignalParseResult.Fail("unexpected data after the signal object");
            }
            return result;
        }
        catch (JsonException ex)
        {
            return SignalParseResult.Fail("malformed JSON: " + FirstLine(ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            // What the reader throws for text it cannot decode outside the fields read above (a skipped value).
            return SignalParseResult.Fail("malformed JSON: " + FirstLine(ex.Message));
        }
    }

    /// <summary>Parses one signal object from JSON text.</summary>
    public static SignalParseResult Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// Reads one signal object at the reader's current token (which must be <see cref="JsonTokenType.StartObject"/>),
    /// leaving the reader on its closing brace. For batch formats that embed signals. May throw <see cref="JsonException"/>.
    /// </summary>
    public static SignalParseResult ReadObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return SignalParseResult.Fail("expected a JSON object");
        }
        string? nodeId = null, ip = null, detector = null, evidenceHash = null, signature = null, timestampError = null;
        SignalTimestamp? timestamp = null;
        float? confidence = null;
        ulong? ttl = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }
            // Names are matched on the UTF-8 (escapes included) rather than read into strings: a signal has
            // eight of them, and this runs for every signal received.
            var field = FieldOf(ref reader);
            if (!reader.Read())
            {
                return SignalParseResult.Fail("truncated JSON");
            }
            string? error = field switch
            {
                Field.NodeId => ReadString(ref reader, "node_id", ref nodeId),
                Field.Ip => ReadString(ref reader, "ip", ref ip),
                Field.Detector => ReadString(ref reader, "detector", ref detector),
                Field.EvidenceHash => ReadString(ref reader, "evidence_hash", ref evidenceHash),
                Field.Timestamp => ReadTimestamp(ref reader, ref timestamp, ref timestampError),
                Field.Signature => ReadString(ref reader, "signature", ref signature),
                Field.Confidence => ReadConfidence(ref reader, ref confidence),
                Field.TtlSecs => ReadTtl(ref reader, ref ttl),
                _ => Skip(ref reader),
            };
            if (error is not null)
            {
                return SignalParseResult.Fail(error);
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return SignalParseResult.Fail("truncated JSON");
        }
        string? missing = nodeId is null ? "node_id" : ip is null ? "ip" : detector is null ? "detector"
            : confidence is null ? "confidence" : evidenceHash is null ? "evidence_hash" : ttl is null ? "ttl_secs"
            : timestamp is null && timestampError is null ? "timestamp" : signature is null ? "signature" : null;
        if (missing is not null)
        {
            return SignalParseResult.Fail($"missing field `{missing}`");
        }
        if (timestampError is not null)
        {
            return SignalParseResult.Fail(timestampError);
        }
        // The null checks above cover every field; the compiler cannot follow the chained conditional.
        return SignalParseResult.Ok(new ThreatSignal(nodeId!, ip!, detector!, confidence!.Value, evidenceHash!,
            ttl!.Value, timestamp!.Value, signature!));
    }

    private enum Field
    {
        Unknown,
        NodeId,
        Ip,
        Detector,
        Confidence,
        EvidenceHash,
        TtlSecs,
        Timestamp,
        Signature,
    }

    private static Field FieldOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("node_id"u8) ? Field.NodeId
        : reader.ValueTextEquals("ip"u8) ? Field.Ip
        : reader.ValueTextEquals("detector"u8) ? Field.Detector
        : reader.ValueTextEquals("confidence"u8) ? Field.Confidence
        : reader.ValueTextEquals("evidence_hash"u8) ? Field.EvidenceHash
        : reader.ValueTextEquals("ttl_secs"u8) ? Field.TtlSecs
        : reader.ValueTextEquals("timestamp"u8) ? Field.Timestamp
        : reader.ValueTextEquals("signature"u8) ? Field.Signature
        : Field.Unknown;

    // The timestamp is parsed from a stack copy of its text: it is not kept as a string.
    private static string? ReadTimestamp(ref Utf8JsonReader reader, ref SignalTimestamp? target, ref string? parseError)
    {
        if (target is not null || parseError is not null)
        {
            return "duplicate field `timestamp`";
        }
        if (reader.TokenType != JsonTokenType.String)
        {
            return $"invalid type for `timestamp`: expected a string, found {Describe(reader.TokenType)}";
        }
        int length = reader.HasValueSequence ? (int)Math.Min(reader.ValueSequence.Length, int.MaxValue) : reader.ValueSpan.Length;
        if (length > MaxFieldLength)
        {
            // Too long for the stack copy: the plain string path, with its length checks and messages.
            string? text = null;
            return ReadString(ref reader, "timestamp", ref text)
                ?? (SignalTimestamp.TryParse(text!, out var value, out parseError) ? Store(ref target, value) : null);
        }
        Span<char> chars = stackalloc char[MaxFieldLength];
        if (!TryCopyText(ref reader, chars, out int written))
        {
            return InvalidText("timestamp");
        }
        return SignalTimestamp.TryParse(chars[..written], out var parsed, out parseError) ? Store(ref target, parsed) : null;
    }

    // The reader validates UTF-8 and escapes only when a string is decoded, and refuses then with
    // InvalidOperationException (not JsonException): bytes that are not UTF-8, or a \uD800-\uDFFF escape alone.
    private static bool TryCopyText(ref Utf8JsonReader reader, scoped Span<char> destination, out int written)
    {
        try
        {
            written = reader.CopyString(destination);
            return true;
        }
        catch (InvalidOperationException)
        {
            written = 0;
            return false;
        }
    }

    private static string InvalidText(string name) =>
        $"field `{name}` is not valid text (bytes that are not UTF-8, or an unpaired surrogate escape)";

    private static string? Store(ref SignalTimestamp? target, SignalTimestamp value)
    {
        target = value;
        return null;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, ref string? target)
    {
        if (target is not null)
        {
            return $"duplicate field `{name}`";
        }
        if (reader.TokenType != JsonTokenType.String)
        {
            return $"invalid type for `{name}`: expected a string, found {Describe(reader.TokenType)}";
        }
        int length = reader.HasValueSequence ? (int)Math.Min(reader.ValueSequence.Length, int.MaxValue) : reader.ValueSpan.Length;
        if (length > MaxFieldLength * 6)
        {
            return $"field `{name}` is too long ({length} bytes; at most {MaxFieldLength} characters)";
        }
        string value;
        try
        {
            value = reader.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            return InvalidText(name);
        }
        if (value.Length > MaxFieldLength)
        {
            return $"field `{name}` is too long ({value.Length} characters; at most {MaxFieldLength})";
        }
        target = value;
        return null;
    }

    private static string? ReadConfidence(ref Utf8JsonReader reader, ref float? target)
    {
        if (target is not null)
        {
            return "duplicate field `confidence`";
        }
        if (reader.TokenType != JsonTokenType.Number)
        {
            return $"invalid type for `confidence`: expected a number, found {Describe(reader.TokenType)}";
        }
        // The original parses the number as f64 and narrows it to f32; do the same so the signed value matches.
        if (!reader.TryGetDouble(out double value))
        {
            return "invalid number for `confidence`";
        }
        target = (float)value;
        return null;
    }

    private static string? ReadTtl(ref Utf8JsonReader reader, ref ulong? target)
    {
        if (target is not null)
        {
            return "duplicate field `ttl_secs`";
        }
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong value))
        {
            return $"invalid type for `ttl_secs`: expected an unsigned 64-bit integer, found {DescribeValue(ref reader)}";
        }
        target = value;
        return null;
    }

    private static string? Skip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }
        return null;
    }

    private static string DescribeValue(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number
            ? "the number " + Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray())
            : Describe(reader.TokenType);

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }

    /// <summary>Writes the signal in the original's JSON form (timestamp with <c>Z</c>, confidence in shortest form).</summary>
    public static void Write(Utf8JsonWriter writer, ThreatSignal signal)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(signal);
        writer.WriteStartObject();
        writer.WriteString("node_id", signal.NodeId);
        writer.WriteString("ip", signal.Ip);
        writer.WriteString("detector", signal.Detector);
        writer.WritePropertyName("confidence");
        // Shortest text that reads back as the same float, as the original (ryu) writes it.
        writer.WriteRawValue(signal.Confidence.ToString("R", CultureInfo.InvariantCulture), skipInputValidation: false);
        writer.WriteString("evidence_hash", signal.EvidenceHash);
        writer.WriteNumber("ttl_secs", signal.TtlSecs);
        writer.WriteString("timestamp", signal.Timestamp.ToJsonString());
        writer.WriteString("signature", signal.Signature);
        writer.WriteEndObject();
    }

    /// <summary>The signal as UTF-8 JSON bytes.</summary>
    public static byte[] ToUtf8Bytes(ThreatSignal signal)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, signal);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The signal as JSON text.</summary>
    public static string ToJson(ThreatSignal signal) => Encoding.UTF8.GetString(ToUtf8Bytes(signal));
}
