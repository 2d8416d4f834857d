using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Contracts.Transport;

/// <summary>
/// The host's inbound pipeline as a transport sees it. A transport parses bodies and hands every signal
/// here unjudged; the host validates, verifies, dedups, rate-limits, weighs and stages.
/// </summary>
public interface ISignalSink
{
    /// <summary>Judges one inbound signal and returns the verdict to reply with.</summary>
    ValueTask<SignalVerdict> SubmitAsync(ThreatSignal signal, SignalOrigin origin, CancellationToken cancellationToken);

    /// <summary>What this node answers to a ping.</summary>
    NodeStatus GetStatus();
}

/// <summary>Where an inbound signal came from, for logs and the audit log.</summary>
/// <param name="RemoteAddress">The connection's remote address, e.g. <c>192.0.2.1:51234</c>.</param>
/// <param name="Encoding">The body's encoding, <c>json</c> or <c>msgpack</c>.</param>
public sealed record SignalOrigin(string RemoteAddress, string Encoding);

/// <summary>This node as a ping reports it.</summary>
/// <param name="NodeId">Public key, 64 lowercase hex.</param>
/// <param name="Version">Semantic version of this node's software.</param>
/// <param name="UptimeSecs">Seconds since the node started.</param>
/// <param name="StagedCount">Entries in the staging pool.</param>
public sealed record NodeStatus(string NodeId, string Version, ulong UptimeSecs, ulong StagedCount);
