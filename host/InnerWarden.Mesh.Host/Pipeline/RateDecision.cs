namespace InnerWarden.Mesh.Host.Pipeline;

/// <summary>What the per-peer rate limit says about one more signal.</summary>
internal enum RateDecision
{
    /// <summary>Within budget; counted.</summary>
    Allowed,
    /// <summary>This signal went over the budget: the peer is quarantined from now (HTTP 429).</summary>
    LimitExceeded,
    /// <summary>The peer was already quarantined (HTTP 403).</summary>
    Quarantined,
}
