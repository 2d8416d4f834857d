namespace InnerWarden.Mesh.Host.Cli;

/// <summary>One row of <c>mesh peers</c> (see <see cref="PeersCommandHandler"/> for the field list).</summary>
internal sealed record PeerRow(
    string? Label,
    string? Endpoint,
    string? NodeId,
    string Source,
    bool Vouched,
    double? Trust,
    long Confirmed,
    long Contradicted,
    long SignalsReceived,
    bool Quarantined,
    DateTimeOffset? QuarantinedUntil,
    DateTimeOffset? LastSeen,
    bool? Reachable = null,
    DateTimeOffset? LastContact = null,
    string? Circuit = null,
    int? PendingDeliveries = null,
    string? Problem = null);
