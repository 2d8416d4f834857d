using System.Collections.Concurrent;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>
/// A transport whose broadcasts do not return until <see cref="Release"/>: a transport stuck on the network (what a
/// peer that accepts and never answers did to the node before broadcasts were queued).
/// </summary>
internal sealed class StalledTransport : IMeshTransport
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every signal handed to <see cref="BroadcastAsync"/>, in order.</summary>
    public ConcurrentQueue<ThreatSignal> Received { get; } = new();

    public Uri? ListenAddress => null;

    public Task StartAsync(ISignalSink sink, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task BroadcastAsync(ThreatSignal signal, CancellationToken cancellationToken)
    {
        Received.Enqueue(signal);
        await _released.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits until <paramref name="count"/> broadcasts have arrived in all.</summary>
    public async Task WaitForAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Received.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {Received.Count} of {count} broadcasts arrived");
            await Task.Delay(5);
        }
    }

    /// <summary>Lets every broadcast, waiting or to come, return.</summary>
    public void Release() => _released.TrySetResult();

    public Task<PeerPingReply?> PingAsync(Uri endpoint, CancellationToken cancellationToken) => Task.FromResult<PeerPingReply?>(null);

    public IReadOnlyList<PeerLinkStatus> GetPeerLinks() =>
        [new PeerLinkStatus(new PeerInfo(new Uri("http://151.101.1.1:8790"), null, "stalled"), false, null, "closed", 0, "json")];
}
