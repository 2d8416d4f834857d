using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Trust;

namespace InnerWarden.Mesh.Trust.TitForTat;

/// <summary>
/// Fixed steps, clamped to [0, 1]. The 3:1 asymmetry means a peer must be right three times to make up for
/// being wrong once, so trust cannot be farmed cheaply. Reacts at the same speed however long the history.
/// </summary>
internal sealed class TitForTatPolicy(TitForTatOptions options) : ITrustPolicy
{
    public PeerReputation Create(string nodeId, double? vouchedTrust, DateTimeOffset now) =>
        new(nodeId, Clamp(vouchedTrust ?? options.Initial), 0, 0, 0, null, now, now, vouchedTrust.HasValue);

    public PeerReputation OnConfirmed(PeerReputation reputation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        return reputation with { Trust = Clamp(Clamp(reputation.Trust) + options.ConfirmStep), Confirmed = reputation.Confirmed + 1 };
    }

    public PeerReputation OnContradicted(PeerReputation reputation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        return reputation with { Trust = Clamp(Clamp(reputation.Trust) - options.ContradictStep), Contradicted = reputation.Contradicted + 1 };
    }

    public double Weigh(PeerReputation reputation, float confidence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        // The host validates confidence; a non-finite one still must not turn into a weight.
        if (reputation.IsQuarantined(now) || !float.IsFinite(confidence))
        {
            return 0;
        }
        return Clamp(reputation.Trust) * Math.Clamp(confidence, 0f, 1f);
    }

    // NaN (a corrupt persisted value) becomes 0: distrust, never a weight of NaN.
    private static double Clamp(double trust) => double.IsNaN(trust) ? 0 : Math.Clamp(trust, 0, 1);
}
