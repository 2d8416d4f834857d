namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>A peer as persisted.</summary>
/// <param name="Endpoint">Base URL.</param>
/// <param name="PublicKey">Its node id, null when not resolved yet.</param>
/// <param name="Label">Operator's name.</param>
/// <param name="Source"><c>config</c> or <c>discovered</c>.</param>
/// <param name="Reachable">Whether the transport's last attempt to reach it succeeded; null when never tried.</param>
/// <param name="LastContact">When it last answered; null if never.</param>
/// <param name="Circuit">The transport's circuit breaker state for it (<c>closed</c>, <c>open</c>, <c>half-open</c>).</param>
/// <param name="PendingDeliveries">Signals waiting to be delivered to it.</param>
/// <param name="Problem">Why the transport's last attempt to reach it failed; null while it answers.</param>
internal sealed record PersistedPeer(string Endpoint, string? PublicKey, string? Label, string Source,
    bool? Reachable = null, DateTimeOffset? LastContact = null, string? Circuit = null, int? PendingDeliveries = null, string? Problem = null);
