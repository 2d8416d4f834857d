namespace InnerWarden.Mesh.Host.Peers;

/// <summary>Where discovery stands with one configured peer.</summary>
internal enum DiscoveryStatus
{
    /// <summary>Not answered yet (or not answered last time); retried every poll interval.</summary>
    Unreachable,
    /// <summary>Answered with a key that is now known (and matched the configured one, if any).</summary>
    Resolved,
    /// <summary>Answered with a node_id different from the configured public key: possible impersonation.</summary>
    Refused,
}
