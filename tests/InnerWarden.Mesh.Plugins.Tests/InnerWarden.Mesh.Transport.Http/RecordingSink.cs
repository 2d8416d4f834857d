using System.Collections.Concurrent;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

/// <summary>An <see cref="ISignalSink"/> that records what reaches it and answers with a chosen verdict.</summary>
internal sealed class RecordingSink(string nodeId = TestSignals.NodeId) : ISignalSink
{
    public ConcurrentQueue<(ThreatSignal Signal, SignalOrigin Origin)> Received { get; } = new();

    public Func<ThreatSignal, ValueTask<SignalVerdict>> Judge { get; set; } =
        _ => ValueTask.FromResult(new SignalVerdict(SignalAction.Watchlisted, RejectReason.None, null));

    public ValueTask<SignalVerdict> SubmitAsync(ThreatSignal signal, SignalOrigin origin, CancellationToken cancellationToken)
    {
        Received.Enqueue((signal, origin));
        return Judge(signal);
    }

    public NodeStatus GetStatus() => new(nodeId, "0.2.0-test", 42, 7);

    public IReadOnlyList<ThreatSignal> Signals => Received.Select(item => item.Signal).ToArray();
}
