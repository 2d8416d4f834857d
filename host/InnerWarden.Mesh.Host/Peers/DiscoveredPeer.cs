using InnerWarden.Mesh.Contracts.Peers;

namespace InnerWarden.Mesh.Host.Peers;

/// <summary>What discovery knows of one configured peer.</summary>
/// <param name="Peer">The peer as configured (its key filled in once resolved).</param>
/// <param name="NodeId">The node_id its ping reported; null until it answered.</param>
/// <param name="Status">Resolved, unreachable or refused.</param>
/// <param name="LastContact">When it last answered a ping; null if never.</param>
internal sealed record DiscoveredPeer(PeerInfo Peer, string? NodeId, DiscoveryStatus Status, DateTimeOffset? LastContact);
