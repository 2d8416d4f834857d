using System.Security.Cryptography;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Plugins.Tests.Transport.Http;
using InnerWarden.Mesh.Transport.Nats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Nats;

/// <summary>A nats transport with a recording sink, as one node would run it; disposing stops it.</summary>
internal sealed class NatsTestNode : IAsyncDisposable
{
    public static readonly TimeSpan DeliveryLimit = TimeSpan.FromSeconds(15);

    private NatsTestNode(NatsMeshTransport transport, RecordingSink sink, string nodeId)
    {
        Transport = transport;
        Sink = sink;
        NodeId = nodeId;
    }

    public NatsMeshTransport Transport { get; }

    public RecordingSink Sink { get; }

    public string NodeId { get; }

    /// <summary>A fresh 64-hex node id (the transport only names its consumer after it).</summary>
    public static string NewNodeId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Starts a transport on <paramref name="servers"/> with these settings on top; returns once it is consuming (or its start timed out).</summary>
    public static async Task<NatsTestNode> StartAsync(string servers, IReadOnlyDictionary<string, string>? settings = null, string? nodeId = null,
        RecordingSink? sink = null, TimeProvider? time = null, ILoggerFactory? logs = null)
    {
        var map = new Dictionary<string, string> { ["servers"] = servers, ["timeout_ms"] = "3000" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            map[key] = value;
        }
        // The transport names its consumer after the sink's node id.
        nodeId = sink?.GetStatus().NodeId ?? nodeId ?? NewNodeId();
        var transport = new NatsMeshTransport(NatsTransportOptions.FromSettings(map), time ?? TimeProvider.System, logs ?? NullLoggerFactory.Instance);
        sink ??= new RecordingSink(nodeId);
        await transport.StartAsync(sink, CancellationToken.None);
        return new NatsTestNode(transport, sink, nodeId);
    }

    /// <summary>A signal with a unique signature (the stream dedups on it); the transport never verifies, so random bytes do.</summary>
    public static ThreatSignal Signal(string ip, DateTimeOffset? at = null, ulong ttlSecs = 3600)
    {
        var when = at ?? DateTimeOffset.UtcNow;
        return new ThreatSignal(TestSignals.NodeId, ip, "ssh_bruteforce", 0.92f, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), ttlSecs,
            SignalTimestamp.FromDateTimeOffset(when), Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails naming <paramref name="what"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? DeliveryLimit);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {(limit ?? DeliveryLimit).TotalSeconds:0}s waiting for {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>Polls an asynchronous condition (a JetStream query) until it holds.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? DeliveryLimit);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {(limit ?? DeliveryLimit).TotalSeconds:0}s waiting for {what}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync() => await Transport.DisposeAsync();
}
