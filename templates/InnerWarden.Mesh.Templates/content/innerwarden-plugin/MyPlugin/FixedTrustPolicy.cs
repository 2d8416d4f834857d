using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Trust;

namespace MyPlugin;

/// <summary>
/// Trusts every identity the same, <c>trust</c> (plugin_settings, default 0.75), vouched or not, and never
/// moves it: a signal weighs trust x confidence, 0 while the host has the sender quarantined. A starting point:
/// replace <see cref="OnConfirmed"/> and <see cref="OnContradicted"/> with your own rule. The host keeps the
/// reputations and persists them; a policy only derives the next value.
/// </summary>
internal sealed class FixedTrustPolicy(double trust) : ITrustPolicy
{
    public const double DefaultTrust = 0.75;

    public PeerReputation Create(string nodeId, double? vouchedTrust, DateTimeOffset now) =>
        new(nodeId, trust, 0, 0, 0, null, now, now, vouchedTrust.HasValue);

    public PeerReputation OnConfirmed(PeerReputation reputation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        return reputation with { Confirmed = reputation.Confirmed + 1 };
    }

    public PeerReputation OnContradicted(PeerReputation reputation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        return reputation with { Contradicted = reputation.Contradicted + 1 };
    }

    public double Weigh(PeerReputation reputation, float confidence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        if (reputation.IsQuarantined(now) || !float.IsFinite(confidence))
        {
            return 0;
        }
        return reputation.Trust * Math.Clamp(confidence, 0f, 1f);
    }
}
