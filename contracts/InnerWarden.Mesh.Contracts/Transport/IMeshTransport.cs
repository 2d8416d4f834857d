using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Contracts.Transport;

/// <summary>Carries signals between nodes: serves inbound signals to the host and delivers outbound ones to peers.</summary>
public interface IMeshTransport
{
    /// <summary>Starts serving inbound requests; every signal goes to <paramref name="sink"/>.</summary>
    Task StartAsync(ISignalSink sink, CancellationToken cancellationToken);

    /// <summary>Stops serving and flushes what it can.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>The address actually listened on (the real port when config asked for port 0); null before start.</summary>
    Uri? ListenAddress { get; }

    /// <summary>
    /// Hands a signal this node made to every peer's delivery and returns without waiting for a slow peer (the host
    /// calls it from one broadcast queue); undelivered copies are retried while the signal's TTL lasts.
    /// </summary>
    Task BroadcastAsync(ThreatSignal signal, CancellationToken cancellationToken);

    /// <summary>Asks a peer who it is. Returns null when it does not answer in time.</summary>
    Task<PeerPingReply?> PingAsync(Uri endpoint, CancellationToken cancellationToken);

    /// <summary>What the transport knows of each peer's link (reachability, last contact, pending deliveries).</summary>
    IReadOnlyList<PeerLinkStatus> GetPeerLinks();
}

/// <summary>A peer's answer to <c>GET /mesh/ping</c>.</summary>
/// <param name="NodeId">The peer's public key.</param>
/// <param name="Version">Its software version.</param>
/// <param name="UptimeSecs">Its uptime.</param>
/// <param name="StagedCount">Its staging pool size.</param>
/// <param name="SupportsMessagePack">True when the reply says the peer reads MessagePack (the original's never does).</param>
public sealed record PeerPingReply(string NodeId, string Version, ulong UptimeSecs, ulong StagedCount, bool SupportsMessagePack);

/// <summary>The state of the link to one peer.</summary>
/// <param name="Peer">The peer as configured or discovered.</param>
/// <param name="Reachable">Whether the last attempt to reach it succeeded.</param>
/// <param name="LastContact">When it last answered; null if never.</param>
/// <param name="CircuitState">The breaker's state, e.g. <c>closed</c>, <c>open</c>, <c>half-open</c>.</param>
/// <param name="PendingDeliveries">Signals waiting to be delivered to it.</param>
/// <param name="Encoding">What it is spoken to in, <c>json</c> or <c>msgpack</c>.</param>
public sealed record PeerLinkStatus(PeerInfo Peer, bool Reachable, DateTimeOffset? LastContact, string CircuitState, int PendingDeliveries, string Encoding)
{
    /// <summary>Signals delivered to the peer since the transport started (a "duplicate" reply counts as delivered).</summary>
    public long Delivered { get; init; }

    /// <summary>Delivery attempts that failed (network error, timeout, 5xx, or an open breaker) since the transport started.</summary>
    public long Failed { get; init; }

    /// <summary>
    /// Why the last attempt to reach the peer failed, in a few words (<c>connection refused</c>, <c>timeout after 3000 ms</c>,
    /// <c>TLS handshake failed: peer speaks plain HTTP</c>, <c>DNS: ...</c>); null while it answers.
    /// </summary>
    public string? Problem { get; init; }
}
