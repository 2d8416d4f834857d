using System.Buffers;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Signals;
using MessagePack;

namespace InnerWarden.Mesh.Transport.Http.Wire;

/// <summary>
/// The reply to a signal, docs/protocol.md's <c>{"accepted":..,"action":..,"error":..}</c> with <c>error</c> present only
/// when the verdict has one, and the extra <c>reason</c> field (which original nodes ignore) when the error code is
/// coarser than this node's reason (<see cref="RejectReasonNames.ExtraReason"/>). The MessagePack form is a map with
/// the same keys; a batch reply is an array of them.
/// </summary>
internal static class SignalReply
{
    public static byte[] ToJson(SignalVerdict verdict)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, verdict);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ToJson(IReadOnlyList<SignalVerdict> verdicts)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * Math.Max(1, verdicts.Count));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var verdict in verdicts)
            {
                Write(writer, verdict);
            }
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ToMessagePack(SignalVerdict verdict)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, verdict);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ToMessagePack(IReadOnlyList<SignalVerdict> verdicts)
    {
        var buffer = new ArrayBufferWriter<byte>(48 * Math.Max(1, verdicts.Count));
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(verdicts.Count);
        foreach (var verdict in verdicts)
        {
            Write(ref writer, verdict);
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, SignalVerdict verdict)
    {
        writer.WriteStartObject();
        writer.WriteBoolean("accepted", verdict.Accepted);
        writer.WriteString("action", verdict.Action.ToWire());
        if (verdict.Error is not null)
        {
            writer.WriteString("error", verdict.Error);
        }
        if (verdict.Reason.ExtraReason() is { } reason)
        {
            writer.WriteString("reason", reason);
        }
        writer.WriteEndObject();
    }

    private static void Write(ref MessagePackWriter writer, SignalVerdict verdict)
    {
        var reason = verdict.Reason.ExtraReason();
        writer.WriteMapHeader(2 + (verdict.Error is null ? 0 : 1) + (reason is null ? 0 : 1));
        writer.Write("accepted");
        writer.Write(verdict.Accepted);
        writer.Write("action");
        writer.Write(verdict.Action.ToWire());
        if (verdict.Error is not null)
        {
            writer.Write("error");
            writer.Write(verdict.Error);
        }
        if (reason is not null)
        {
            writer.Write("reason");
            writer.Write(reason);
        }
    }
}
