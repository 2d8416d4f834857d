using System.Buffers;
using System.Text;
using InnerWarden.Mesh.Contracts.Signals;
using MessagePack;

namespace InnerWarden.Mesh.Transport.Common.Wire;

/// <summary>
/// This project's MessagePack form of a signal (docs/protocol.md leaves the encoding to us; the signed bytes are the same):
/// <code>
/// map {
///   "node_id": str, "ip": str, "detector": str,
///   "confidence": float32,                      (float64 is read and narrowed, as the JSON reader does)
///   "evidence_hash": str, "ttl_secs": uint64,
///   "timestamp": [unix_seconds: int64, nanos: uint32]   (written; an RFC 3339 string is also read)
///   "signature": str }
/// </code>
/// Unknown keys are skipped (up to <see cref="MaxDepth"/> levels), as the JSON form ignores unknown fields.
/// A batch (<c>POST /mesh/signals</c>) is an array of such maps, at most <see cref="MaxBatch"/>.
/// The reader never throws on bad input: it reports the first problem, naming the field.
/// Shared by the transports (http bodies, nats messages), so a signal reads the same whichever carried it.
/// </summary>
internal static class MessagePackSignal
{
    /// <summary>The encoding's name as <c>SignalOrigin.Encoding</c> and <c>PeerLinkStatus.Encoding</c> use it.</summary>
    public const string EncodingName = "msgpack";

    /// <summary>How every parse error begins when the bytes are not well-formed MessagePack (truncated, bad codes, too deep).</summary>
    public const string MalformedPrefix = "malformed MessagePack";

    /// <summary>Most signals accepted in one batch.</summary>
    public const int MaxBatch = 1000;

    /// <summary>Nesting allowed inside an unknown field, mirroring <see cref="ThreatSignalJson.MaxDepth"/>.</summary>
    public const int MaxDepth = ThreatSignalJson.MaxDepth;

    // Depth accounting for skipped values; the reader is hand-written so no formatter resolves types from the wire.
    private static readonly MessagePackSecurity Security = MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(MaxDepth);

    /// <summary>Reads one signal body; the whole body must be exactly one map.</summary>
    public static SignalParseResult Parse(ReadOnlySequence<byte> body)
    {
        if (body.IsEmpty)
        {
            return SignalParseResult.Fail("empty body");
        }
        return Guard(body, static (ref MessagePackReader reader) =>
        {
            var result = ReadSignal(ref reader);
            if (result.Error is null && !reader.End)
            {
                return SignalParseResult.Fail("unexpected data after the signal map");
            }
            return result;
        });
    }

    /// <summary>
    /// Splits a batch body into the raw bytes of each item and parses each on its own, so one bad item is
    /// refused alone. Returns an error when the batch itself cannot be read (not an array, truncated, too big).
    /// </summary>
    public static string? ParseBatch(ReadOnlySequence<byte> body, List<SignalParseResult> items)
    {
        if (body.IsEmpty)
        {
            return "empty body";
        }
        var reader = new MessagePackReader(body);
        try
        {
            if (reader.NextMessagePackType != MessagePackType.Array)
            {
                return $"a batch must be a MessagePack array of signals, found {Describe(ref reader)}";
            }
            int count = reader.ReadArrayHeader();
            if (count > MaxBatch)
            {
                return $"batch of {count} signals is over the limit of {MaxBatch}";
            }
            for (int i = 0; i < count; i++)
            {
                var start = reader.Position;
                SkipValue(ref reader);
                items.Add(Parse(body.Slice(start, reader.Position)));
            }
            if (!reader.End)
            {
                return "unexpected data after the batch array";
            }
            return null;
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return $"{MalformedPrefix} batch: {ex.Message}";
        }
    }

    /// <summary>Writes one signal map.</summary>
    public static void Write(ref MessagePackWriter writer, ThreatSignal signal)
    {
        writer.WriteMapHeader(8);
        writer.Write("node_id");
        writer.Write(signal.NodeId);
        writer.Write("ip");
        writer.Write(signal.Ip);
        writer.Write("detector");
        writer.Write(signal.Detector);
        writer.Write("confidence");
        writer.Write(signal.Confidence);
        writer.Write("evidence_hash");
        writer.Write(signal.EvidenceHash);
        writer.Write("ttl_secs");
        writer.Write(signal.TtlSecs);
        writer.Write("timestamp");
        writer.WriteArrayHeader(2);
        writer.Write(signal.Timestamp.UnixSeconds);
        writer.Write((uint)signal.Timestamp.Nanoseconds);
        writer.Write("signature");
        writer.Write(signal.Signature);
    }

    /// <summary>One signal as a MessagePack body.</summary>
    public static byte[] ToBytes(ThreatSignal signal)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, signal);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Signals as a batch body.</summary>
    public static byte[] BatchToBytes(IReadOnlyList<ThreatSignal> signals)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * Math.Max(1, signals.Count));
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(signals.Count);
        foreach (var signal in signals)
        {
            Write(ref writer, signal);
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private delegate SignalParseResult ReadStep(ref MessagePackReader reader);

    private static SignalParseResult Guard(ReadOnlySequence<byte> body, ReadStep step)
    {
        var reader = new MessagePackReader(body);
        try
        {
            return step(ref reader);
        }
        catch (InsufficientExecutionStackException)
        {
            return SignalParseResult.Fail($"{MalformedPrefix}: nested deeper than {MaxDepth} levels");
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return SignalParseResult.Fail($"{MalformedPrefix}: {ex.Message}");
        }
    }

    // What MessagePackReader throws on truncated or invalid input; anything else is a bug and should surface.
    private static bool IsReadFailure(Exception ex) =>
        ex is MessagePackSerializationException or EndOfStreamException or InsufficientExecutionStackException or OverflowException or InvalidOperationException
            or DecoderFallbackException or ArgumentException;

    private static SignalParseResult ReadSignal(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.Map)
        {
            return SignalParseResult.Fail($"a signal must be a MessagePack map, found {Describe(ref reader)}");
        }
        int fields = reader.ReadMapHeader();
        string? nodeId = null, ip = null, detector = null, evidenceHash = null, signature = null;
        float? confidence = null;
        ulong? ttl = null;
        SignalTimestamp? timestamp = null;
        for (int i = 0; i < fields; i++)
        {
            if (reader.NextMessagePackType != MessagePackType.String)
            {
                return SignalParseResult.Fail($"map key {i} is {Describe(ref reader)}, expected a string");
            }
            var name = ReadBoundedString(ref reader, "map key");
            if (name.Error is not null)
            {
                return SignalParseResult.Fail(name.Error);
            }
            string? error = name.Value switch
            {
                "node_id" => ReadString(ref reader, "node_id", ref nodeId),
                "ip" => ReadString(ref reader, "ip", ref ip),
                "detector" => ReadString(ref reader, "detector", ref detector),
                "evidence_hash" => ReadString(ref reader, "evidence_hash", ref evidenceHash),
                "signature" => ReadString(ref reader, "signature", ref signature),
                "confidence" => ReadConfidence(ref reader, ref confidence),
                "ttl_secs" => ReadTtl(ref reader, ref ttl),
                "timestamp" => ReadTimestamp(ref reader, ref timestamp),
                _ => SkipUnknown(ref reader),
            };
            if (error is not null)
            {
                return SignalParseResult.Fail(error);
            }
        }
        string? missing = nodeId is null ? "node_id" : ip is null ? "ip" : detector is null ? "detector"
            : confidence is null ? "confidence" : evidenceHash is null ? "evidence_hash" : ttl is null ? "ttl_secs"
            : timestamp is null ? "timestamp" : signature is null ? "signature" : null;
        if (missing is not null)
        {
            return SignalParseResult.Fail($"missing field `{missing}`");
        }
        // The chained null checks above cover every field; the compiler cannot follow them.
        return SignalParseResult.Ok(new ThreatSignal(nodeId!, ip!, detector!, confidence!.Value, evidenceHash!,
            ttl!.Value, timestamp!.Value, signature!));
    }

    private static (string? Value, string? Error) ReadBoundedString(ref MessagePackReader reader, string what)
    {
        var bytes = reader.ReadStringSequence();
        if (bytes is not { } sequence)
        {
            return (null, $"`{what}` is nil");
        }
        // Checked before decoding so a huge string costs no allocation.
        if (sequence.Length > ThreatSignalJson.MaxFieldLength * 4)
        {
            return (null, $"`{what}` is too long ({sequence.Length} bytes; at most {ThreatSignalJson.MaxFieldLength} characters)");
        }
        var text = StrictUtf8.GetString(sequence);
        if (text.Length > ThreatSignalJson.MaxFieldLength)
        {
            return (null, $"`{what}` is too long ({text.Length} characters; at most {ThreatSignalJson.MaxFieldLength})");
        }
        return (text, null);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string? ReadString(ref MessagePackReader reader, string name, ref string? target)
    {
        if (target is not null)
        {
            return $"duplicate field `{name}`";
        }
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            return $"invalid type for `{name}`: expected a string, found {Describe(ref reader)}";
        }
        var (value, error) = ReadBoundedString(ref reader, name);
        target = value;
        return error;
    }

    private static string? ReadConfidence(ref MessagePackReader reader, ref float? target)
    {
        if (target is not null)
        {
            return "duplicate field `confidence`";
        }
        if (reader.NextMessagePackType != MessagePackType.Float)
        {
            return $"invalid type for `confidence`: expected a float, found {Describe(ref reader)}";
        }
        // float64 is narrowed like the JSON reader narrows its double; float32 is read exactly.
        target = reader.NextCode == MessagePackCode.Float32 ? reader.ReadSingle() : (float)reader.ReadDouble();
        return null;
    }

    private static string? ReadTtl(ref MessagePackReader reader, ref ulong? target)
    {
        if (target is not null)
        {
            return "duplicate field `ttl_secs`";
        }
        if (reader.NextMessagePackType != MessagePackType.Integer)
        {
            return $"invalid type for `ttl_secs`: expected an unsigned 64-bit integer, found {Describe(ref reader)}";
        }
        // uint64 above long.MaxValue is a valid ttl that ReadInt64 cannot hold; only a signed value can be negative.
        if (reader.NextCode != MessagePackCode.UInt64 && reader.CreatePeekReader().ReadInt64() < 0)
        {
            return "invalid value for `ttl_secs`: negative";
        }
        target = reader.ReadUInt64();
        return null;
    }

    private static string? ReadTimestamp(ref MessagePackReader reader, ref SignalTimestamp? target)
    {
        if (target is not null)
        {
            return "duplicate field `timestamp`";
        }
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                {
                    int length = reader.ReadArrayHeader();
                    if (length != 2)
                    {
                        return $"invalid `timestamp`: expected [unix_seconds, nanos], found an array of {length}";
                    }
                    if (reader.NextMessagePackType != MessagePackType.Integer)
                    {
                        return $"invalid `timestamp` seconds: expected an integer, found {Describe(ref reader)}";
                    }
                    long seconds = reader.ReadInt64();
                    if (reader.NextMessagePackType != MessagePackType.Integer)
                    {
                        return $"invalid `timestamp` nanos: expected an integer, found {Describe(ref reader)}";
                    }
                    long nanos = reader.ReadInt64();
                    // Bounds keep ToDateTimeOffset and the canonical form (years 0001-9999) from throwing later.
                    if (nanos is < 0 or > 999_999_999)
                    {
                        return $"invalid `timestamp` nanos {nanos}: must be 0 - 999999999";
                    }
                    if (seconds < MinUnixSeconds || seconds > MaxUnixSeconds)
                    {
                        return $"invalid `timestamp` seconds {seconds}: out of range";
                    }
                    target = new SignalTimestamp(seconds, (int)nanos);
                    return null;
                }
            case MessagePackType.String:
                {
                    var (text, error) = ReadBoundedString(ref reader, "timestamp");
                    if (error is not null)
                    {
                        return error;
                    }
                    if (!SignalTimestamp.TryParse(text!, out var parsed, out var parseError))
                    {
                        return parseError;
                    }
                    target = parsed;
                    return null;
                }
            default:
                return $"invalid type for `timestamp`: expected [unix_seconds, nanos] or an RFC 3339 string, found {Describe(ref reader)}";
        }
    }

    private static readonly long MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    private static string? SkipUnknown(ref MessagePackReader reader)
    {
        SkipValue(ref reader);
        return null;
    }

    // Skips one value with an explicit depth bound: nesting costs stack, and the wire decides how deep it goes.
    private static void SkipValue(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                {
                    Security.DepthStep(ref reader);
                    int count = reader.ReadArrayHeader();
                    for (int i = 0; i < count; i++)
                    {
                        SkipValue(ref reader);
                    }
                    reader.Depth--;
                    break;
                }
            case MessagePackType.Map:
                {
                    Security.DepthStep(ref reader);
                    int count = reader.ReadMapHeader();
                    for (int i = 0; i < count; i++)
                    {
                        SkipValue(ref reader);
                        SkipValue(ref reader);
                    }
                    reader.Depth--;
                    break;
                }
            default:
                reader.Skip();
                break;
        }
    }

    private static string Describe(ref MessagePackReader reader) =>
        reader.End ? "the end of the body" : reader.NextMessagePackType switch
        {
            MessagePackType.Integer => "an integer",
            MessagePackType.Nil => "nil",
            MessagePackType.Boolean => "a boolean",
            MessagePackType.Float => "a float",
            MessagePackType.String => "a string",
            MessagePackType.Binary => "binary data",
            MessagePackType.Array => "an array",
            MessagePackType.Map => "a map",
            MessagePackType.Extension => "an extension value",
            _ => $"an unknown code 0x{reader.NextCode:x2}",
        };
}
