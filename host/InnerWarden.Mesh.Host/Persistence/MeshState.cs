using InnerWarden.Mesh.Contracts.Peers;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// The node state as one value: what <c>mesh.db</c> holds (read by the CLI and at start) and the content of the legacy
/// <c>mesh-state.json</c> (format version 1; snake_case field names) that is imported once.
/// </summary>
/// <param name="Version">Format version, <see cref="CurrentVersion"/>.</param>
/// <param name="NodeId">The node that wrote it.</param>
/// <param name="Enforcer">The firewall backend in use when written.</param>
/// <param name="SavedAt">When it was written.</param>
/// <param name="Peers">Configured peers and keys discovery resolved.</param>
/// <param name="Reputations">Every tracked identity's reputation.</param>
/// <param name="Staged">The staging pool.</param>
/// <param name="Remembered">Discarded signals remembered for later credit.</param>
internal sealed record MeshState(
    int Version,
    string? NodeId,
    string? Enforcer,
    DateTimeOffset SavedAt,
    IReadOnlyList<PersistedPeer> Peers,
    IReadOnlyList<PeerReputation> Reputations,
    IReadOnlyList<PersistedEntry> Staged,
    IReadOnlyList<PersistedRemembered> Remembered)
{
    public const int CurrentVersion = 1;

    public static MeshState Empty { get; } = new(CurrentVersion, null, null, DateTimeOffset.UnixEpoch, [], [], [], []);
}
