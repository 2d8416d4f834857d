using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>A node's state at one moment, for tests, the demo and diagnostics.</summary>
internal sealed record MeshNodeSnapshot(
    string NodeId,
    string EnforcerName,
    IReadOnlyList<StagedEntry> Staged,
    IReadOnlyList<PeerReputation> Reputations,
    int RememberedCount,
    long Received,
    long Accepted,
    long Rejected,
    long Duplicates,
    long Sent,
    long BroadcastsDropped);
