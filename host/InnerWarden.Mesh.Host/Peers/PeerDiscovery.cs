using System.Collections.Concurrent;
using System.Net;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Transport;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Peers;

/// <summary>
/// Learns configured peers' keys by ping. A peer configured without a key is resolved by its first answer; one
/// configured with a key is verified, and refused loudly when it answers with another (possible impersonation:
/// the address now belongs to someone else). <see cref="Resolved"/> fires once per peer when its key is known,
/// which is when the node vouches for it (initial trust). Also resolves every peer endpoint to its IP addresses,
/// which the node's address safety policy must never block.
/// </summary>
internal sealed partial class PeerDiscovery(IMeshTransport transport, NodeSettings settings, TimeProvider time, ILogger<PeerDiscovery> logger)
{
    private readonly ConcurrentDictionary<Uri, DiscoveredPeer> _peers = new(
        settings.Peers.DistinctBy(peer => peer.Endpoint)
            .Select(peer => KeyValuePair.Create(peer.Endpoint, new DiscoveredPeer(peer, null, DiscoveryStatus.Unreachable, null))));
    private readonly ConcurrentDictionary<IPAddress, byte> _addresses = new();
    private readonly ConcurrentDictionary<Uri, string> _reportedUnreachable = new();

    /// <summary>Raised once per peer when its key becomes known: the peer (with its key) and the key.</summary>
    public event Action<PeerInfo, string>? Resolved;

    /// <summary>Every address a configured peer endpoint resolved to so far (never shrinks: an old address stays safe).</summary>
    public IReadOnlyList<IPAddress> PeerAddresses => _addresses.Keys.ToArray();

    /// <summary>The current state of every configured peer, in config order.</summary>
    public IReadOnlyList<DiscoveredPeer> Peers =>
        settings.Peers.DistinctBy(peer => peer.Endpoint).Select(peer => _peers[peer.Endpoint]).ToArray();

    /// <summary>True when every configured peer is resolved.</summary>
    public bool AllResolved => _peers.Values.All(peer => peer.Status == DiscoveryStatus.Resolved);

    /// <summary>Pings every peer not yet resolved (all of them at once) and resolves every endpoint's addresses.</summary>
    public async Task<IReadOnlyList<DiscoveredPeer>> RunOnceAsync(CancellationToken cancellationToken)
    {
        var work = new List<Task>();
        foreach (var state in _peers.Values)
        {
            work.Add(ResolveAddressesAsync(state.Peer.Endpoint, cancellationToken));
            if (state.Status != DiscoveryStatus.Resolved)
            {
                work.Add(PingAsync(state, cancellationToken));
            }
        }
        await Task.WhenAll(work).ConfigureAwait(false);
        return Peers;
    }

    /// <summary>Runs discovery now and then every poll interval until every peer is resolved.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Created before the first round so a tick during that round is not lost.
        using var timer = new PeriodicTimer(settings.PollInterval, time);
        await RunOnceAsync(cancellationToken).ConfigureAwait(false);
        while (!AllResolved && await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await RunOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        LogAllResolved(logger, _peers.Count);
    }

    private async Task PingAsync(DiscoveredPeer state, CancellationToken cancellationToken)
    {
        var peer = state.Peer;
        var reply = await transport.PingAsync(peer.Endpoint, cancellationToken).ConfigureAwait(false);
        if (reply is null)
        {
            // Said once per cause, not every poll. Debug: the transport's link writes the journal line of an outage, once,
            // whatever found it (this ping or a delivery).
            var problem = transport.GetPeerLinks().FirstOrDefault(link => link.Peer.Endpoint == peer.Endpoint)?.Problem ?? "no reply";
            if (!_reportedUnreachable.TryGetValue(peer.Endpoint, out var reported) || reported != problem)
            {
                _reportedUnreachable[peer.Endpoint] = problem;
                LogUnreachable(logger, peer.Endpoint, problem);
            }
            _peers[peer.Endpoint] = state with { Status = state.Status == DiscoveryStatus.Refused ? DiscoveryStatus.Refused : DiscoveryStatus.Unreachable };
            return;
        }
        _reportedUnreachable.TryRemove(peer.Endpoint, out _);
        var now = time.GetUtcNow();
        if (!IsNodeId(reply.NodeId))
        {
            LogBadNodeId(logger, peer.Endpoint, Shorten(reply.NodeId));
            _peers[peer.Endpoint] = state with { Status = DiscoveryStatus.Unreachable, LastContact = now };
            return;
        }
        if (peer.PublicKey is { Length: > 0 } configured && !string.Equals(configured, reply.NodeId, StringComparison.OrdinalIgnoreCase))
        {
            LogImpersonation(logger, peer.Endpoint, configured, reply.NodeId);
            _peers[peer.Endpoint] = state with { NodeId = reply.NodeId, Status = DiscoveryStatus.Refused, LastContact = now };
            return;
        }
        var resolved = peer with { PublicKey = reply.NodeId };
        _peers[peer.Endpoint] = new DiscoveredPeer(resolved, reply.NodeId, DiscoveryStatus.Resolved, now);
        LogResolved(logger, peer.Endpoint, reply.NodeId, reply.Version, peer.PublicKey is { Length: > 0 });
        Resolved?.Invoke(resolved, reply.NodeId);
    }

    private async Task ResolveAddressesAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var (addresses, error) = await PeerAddressResolver.ResolveAsync(endpoint, cancellationToken).ConfigureAwait(false);
        foreach (var address in addresses)
        {
            _addresses.TryAdd(address, 0);
        }
        if (error is not null)
        {
            LogDnsFailed(logger, endpoint.IdnHost, endpoint, error);
        }
    }

    private static bool IsNodeId(string value) =>
        value.Length == 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "...";

    [LoggerMessage(EventId = 3800, Level = LogLevel.Information, Message = "peer {Endpoint} is {NodeId} (version {Version}; configured key verified: {Verified})")]
    private static partial void LogResolved(ILogger logger, Uri endpoint, string nodeId, string version, bool verified);

    [LoggerMessage(EventId = 3801, Level = LogLevel.Error, Message = "REFUSED peer {Endpoint}: it answers as {NodeId} but config says {ConfiguredKey}; possible impersonation, its signals will not be trusted as that peer's")]
    private static partial void LogImpersonation(ILogger logger, Uri endpoint, string configuredKey, string nodeId);

    [LoggerMessage(EventId = 3802, Level = LogLevel.Debug, Message = "peer {Endpoint} does not answer its ping ({Problem}); retrying every poll interval")]
    private static partial void LogUnreachable(ILogger logger, Uri endpoint, string problem);

    [LoggerMessage(EventId = 3803, Level = LogLevel.Warning, Message = "peer {Endpoint} answered with node_id '{NodeId}', which is not 64 lowercase hex; ignored")]
    private static partial void LogBadNodeId(ILogger logger, Uri endpoint, string nodeId);

    [LoggerMessage(EventId = 3804, Level = LogLevel.Warning, Message = "cannot resolve {Host} of peer {Endpoint}: {Reason}; its addresses are not protected from blocking until it resolves")]
    private static partial void LogDnsFailed(ILogger logger, string host, Uri endpoint, string reason);

    [LoggerMessage(EventId = 3805, Level = LogLevel.Information, Message = "all {Count} configured peers resolved; discovery done")]
    private static partial void LogAllResolved(ILogger logger, int count);
}
