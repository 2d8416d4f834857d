namespace InnerWarden.Mesh.Host.Cli;

/// <summary>The <c>mesh status --json</c> object (see <see cref="StatusCommandHandler"/> for the field list).</summary>
internal sealed record StatusReport(
    bool Initialized,
    string? NodeId,
    string DataDirectory,
    DateTimeOffset? StateSavedAt,
    string? Enforcer,
    int PeersConfigured,
    int PeersKnown,
    int PeersReachable,
    int Reputations,
    int Watchlisted,
    int BlockedShortTtl,
    int BlockedFull,
    int Remembered,
    IReadOnlyList<string> QuarantinedPeers);
