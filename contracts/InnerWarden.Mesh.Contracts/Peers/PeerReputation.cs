namespace InnerWarden.Mesh.Contracts.Peers;

/// <summary>What a node knows of one signing identity. Trust policies derive new values from old ones.</summary>
/// <param name="NodeId">The peer's public key, 64 lowercase hex.</param>
/// <param name="Trust">Current trust in [0, 1].</param>
/// <param name="Confirmed">Signals of this peer confirmed by local observation.</param>
/// <param name="Contradicted">Signals of this peer that expired unconfirmed.</param>
/// <param name="SignalsReceived">Accepted (non-duplicate) signals received from this peer.</param>
/// <param name="QuarantinedUntil">When a quarantine ends; null when not quarantined.</param>
/// <param name="FirstSeen">First contact.</param>
/// <param name="LastSeen">Last signal or contact.</param>
/// <param name="Vouched">True when an operator listed this key in config (initial trust came from config).</param>
public sealed record PeerReputation(
    string NodeId,
    double Trust,
    long Confirmed,
    long Contradicted,
    long SignalsReceived,
    DateTimeOffset? QuarantinedUntil,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    bool Vouched)
{
    /// <summary>True when the peer is quarantined at <paramref name="now"/>.</summary>
    public bool IsQuarantined(DateTimeOffset now) => QuarantinedUntil is { } until && until > now;
}
