using System.Buffers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Plugins.Tests.Transport.Http;
using InnerWarden.Mesh.Transport.Common.Wire;
using MessagePack;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Common.Wire;

public sealed class MessagePackSignalTests
{
    [Fact]
    public void Timestamp_is_written_as_seconds_and_nanos_and_read_back_exactly()
    {
        var signal = TestSignals.Vector1;

        var parsed = MessagePackSignal.Parse(new ReadOnlySequence<byte>(MessagePackSignal.ToBytes(signal)));

        Assert.Null(parsed.Error);
        Assert.Equal(signal, parsed.Signal);
        Assert.Contains("\"timestamp\":[1774614896,123456789]", MessagePackSerializer.ConvertToJson(MessagePackSignal.ToBytes(signal)), StringComparison.Ordinal);
    }

    [Fact]
    public void Rfc3339_timestamp_and_float64_confidence_and_unknown_fields_are_read()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        var v = TestSignals.Vector1;
        writer.WriteMapHeader(9);
        writer.Write("extra");
        writer.WriteMapHeader(1);
        writer.Write("nested");
        writer.WriteArrayHeader(2);
        writer.Write(1);
        writer.Write("two");
        writer.Write("node_id"); writer.Write(v.NodeId);
        writer.Write("ip"); writer.Write(v.Ip);
        writer.Write("detector"); writer.Write(v.Detector);
        writer.Write("confidence"); writer.Write(0.92d);
        writer.Write("evidence_hash"); writer.Write(v.EvidenceHash);
        writer.Write("ttl_secs"); writer.Write(3600);
        writer.Write("timestamp"); writer.Write("2026-03-27T12:34:56.123456789Z");
        writer.Write("signature"); writer.Write(v.Signature);
        writer.Flush();

        var parsed = MessagePackSignal.Parse(new ReadOnlySequence<byte>(buffer.WrittenMemory));

        Assert.Null(parsed.Error);
        Assert.Equal(v, parsed.Signal);
    }

    [Theory]
    [InlineData(-1L, 0L, null)]
    [InlineData(1774614896L, 1_000_000_000L, "nanos 1000000000")]
    [InlineData(1774614896L, -1L, "nanos -1")]
    [InlineData(long.MaxValue, 0L, "out of range")]
    public void Out_of_range_timestamp_is_refused_with_a_reason(long seconds, long nanos, string? fragment)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        var v = TestSignals.Vector1;
        writer.WriteMapHeader(8);
        writer.Write("node_id"); writer.Write(v.NodeId);
        writer.Write("ip"); writer.Write(v.Ip);
        writer.Write("detector"); writer.Write(v.Detector);
        writer.Write("confidence"); writer.Write(v.Confidence);
        writer.Write("evidence_hash"); writer.Write(v.EvidenceHash);
        writer.Write("ttl_secs"); writer.Write(v.TtlSecs);
        writer.Write("timestamp"); writer.WriteArrayHeader(2); writer.Write(seconds); writer.Write(nanos);
        writer.Write("signature"); writer.Write(v.Signature);
        writer.Flush();

        var parsed = MessagePackSignal.Parse(new ReadOnlySequence<byte>(buffer.WrittenMemory));

        if (fragment is null)
        {
            Assert.Equal(new SignalTimestamp(seconds, (int)nanos), parsed.Signal?.Timestamp);
        }
        else
        {
            Assert.Null(parsed.Signal);
            Assert.Contains(fragment, parsed.Error, StringComparison.Ordinal);
        }
    }
}
