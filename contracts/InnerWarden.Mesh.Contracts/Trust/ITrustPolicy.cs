using InnerWarden.Mesh.Contracts.Peers;

namespace InnerWarden.Mesh.Contracts.Trust;

/// <summary>
/// How far a peer is trusted and how that changes. Pure: the host keeps the reputations, persists them,
/// and calls these to derive the next value.
/// </summary>
public interface ITrustPolicy
{
    /// <summary>The reputation of an identity seen for the first time; <paramref name="vouchedTrust"/> is set when config lists the key.</summary>
    PeerReputation Create(string nodeId, double? vouchedTrust, DateTimeOffset now);

    /// <summary>After local observation confirmed one of the peer's signals.</summary>
    PeerReputation OnConfirmed(PeerReputation reputation, DateTimeOffset now);

    /// <summary>After one of the peer's signals expired unconfirmed.</summary>
    PeerReputation OnContradicted(PeerReputation reputation, DateTimeOffset now);

    /// <summary>The weight of a signal with <paramref name="confidence"/> from this peer: 0 when quarantined.</summary>
    double Weigh(PeerReputation reputation, float confidence, DateTimeOffset now);
}
