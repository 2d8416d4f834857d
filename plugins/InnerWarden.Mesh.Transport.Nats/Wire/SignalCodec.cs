using System.Buffers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Transport.Common.Wire;
using MessagePack;
using NATS.Client.Core;

namespace InnerWarden.Mesh.Transport.Nats.Wire;

/// <summary>
/// Signals on the stream in this project's MessagePack form (<see cref="MessagePackSignal"/>, the form the http
/// transport also speaks), written straight into the client's buffer and read straight from the received bytes:
/// no copy per message either way. Reading never throws; a message that is not a signal says why.
/// </summary>
internal sealed class SignalCodec : INatsSerialize<ThreatSignal>, INatsDeserialize<DecodedSignal>
{
    /// <summary>The http transport's limit for one signal body: a real signal is about 300 bytes.</summary>
    public const int MaxMessageBytes = 16 * 1024;

    public static SignalCodec Instance { get; } = new();

    public void Serialize(IBufferWriter<byte> bufferWriter, ThreatSignal value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var writer = new MessagePackWriter(bufferWriter);
        MessagePackSignal.Write(ref writer, value);
        writer.Flush();
    }

    public DecodedSignal Deserialize(in ReadOnlySequence<byte> buffer) => Decode(buffer);

    /// <summary>Reads one message payload.</summary>
    public static DecodedSignal Decode(ReadOnlySequence<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return DecodedSignal.Malformed(MalformedCause.Empty, "the message has no payload");
        }
        if (payload.Length > MaxMessageBytes)
        {
            return DecodedSignal.Malformed(MalformedCause.Oversized, $"{payload.Length} bytes, over the limit of {MaxMessageBytes}");
        }
        var parsed = MessagePackSignal.Parse(payload);
        if (parsed.Signal is { } signal)
        {
            return DecodedSignal.Ok(signal);
        }
        var error = parsed.Error ?? "unreadable signal";
        bool notMessagePack = !StartsWithMap(payload) || error.StartsWith(MessagePackSignal.MalformedPrefix, StringComparison.Ordinal);
        return DecodedSignal.Malformed(notMessagePack ? MalformedCause.NotMessagePack : MalformedCause.WrongFields, error);
    }

    // fixmap (0x80 - 0x8f), map16 (0xde) or map32 (0xdf): anything else cannot be a signal's map.
    private static bool StartsWithMap(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        return reader.TryPeek(out byte first) && first is >= 0x80 and <= 0x8f or 0xde or 0xdf;
    }
}
