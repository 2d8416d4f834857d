using System.Collections.Concurrent;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>An in-process transport: records broadcasts and delivers them to other nodes' sinks.</summary>
internal sealed class LoopbackTransport : IMeshTransport
{
    public ISignalSink? Sink { get; private set; }

    /// <summary>Sinks of the nodes a broadcast reaches.</summary>
    public List<ISignalSink> Peers { get; } = [];

    public ConcurrentQueue<ThreatSignal> Sent { get; } = new();

    public ConcurrentQueue<SignalVerdict> Replies { get; } = new();

    public bool Stopped { get; private set; }

    public Uri? ListenAddress => Sink is null ? null : new Uri("http://127.0.0.1:1");

    public Task StartAsync(ISignalSink sink, CancellationToken cancellationToken)
    {
        Sink = sink;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Stopped = true;
        return Task.CompletedTask;
    }

    public async Task BroadcastAsync(ThreatSignal signal, CancellationToken cancellationToken)
    {
        Sent.Enqueue(signal);
        foreach (var peer in Peers)
        {
            Replies.Enqueue(await peer.SubmitAsync(signal, new SignalOrigin("127.0.0.1:1", "json"), cancellationToken));
        }
    }

    public Task<PeerPingReply?> PingAsync(Uri endpoint, CancellationToken cancellationToken) => Task.FromResult<PeerPingReply?>(null);

    public IReadOnlyList<PeerLinkStatus> GetPeerLinks() =>
        [.. Peers.Select((_, i) => new PeerLinkStatus(new PeerInfo(new Uri($"http://127.0.0.{i + 2}:8790"), null, null), true, null, "closed", 0, "json"))];
}
