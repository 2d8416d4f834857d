using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Trust;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>The seed's tit-for-tat numbers (start 0.1, +0.05, -0.15, clamp), standing in for the trust plugin.</summary>
internal sealed class TestTrustPolicy : ITrustPolicy
{
    public const double Start = 0.1;
    public const double Credit = 0.05;
    public const double Debit = 0.15;

    public PeerReputation Create(string nodeId, double? vouchedTrust, DateTimeOffset now) =>
        new(nodeId, vouchedTrust ?? Start, 0, 0, 0, null, now, now, vouchedTrust is not null);

    public PeerReputation OnConfirmed(PeerReputation reputation, DateTimeOffset now) =>
        reputation with { Trust = Math.Clamp(reputation.Trust + Credit, 0, 1), Confirmed = reputation.Confirmed + 1 };

    public PeerReputation OnContradicted(PeerReputation reputation, DateTimeOffset now) =>
        reputation with { Trust = Math.Clamp(reputation.Trust - Debit, 0, 1), Contradicted = reputation.Contradicted + 1 };

    public double Weigh(PeerReputation reputation, float confidence, DateTimeOffset now) =>
        reputation.IsQuarantined(now) ? 0 : reputation.Trust * confidence;
}
