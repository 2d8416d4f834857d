using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Trust;

namespace InnerWarden.Mesh.Trust.Bayesian;

/// <summary>
/// Beta reputation: trust = (a + confirmed) / (a + b + confirmed + w * contradicted), with a + b = the prior
/// strength n and a / n = the starting trust. It depends only on the counts, not on the order of events, and
/// settles on p / (p + w(1 - p)) for a peer right a fraction p of the time.
/// </summary>
/// <remarks>
/// The reputation record has no room for the prior, so the prior is recovered from the stored trust and
/// counts: a = trust * (n + confirmed + w * contradicted) - confirmed. For a reputation this policy made,
/// that gives back exactly the a it started with (0.1 n for a new peer, the vouched trust times n for a
/// vouched one). A reputation made by another policy (the operator switched policies) is adopted as it
/// stands: its current trust becomes the prior, clamped to [0, n].
/// </remarks>
internal sealed class BayesianPolicy(BayesianOptions options) : ITrustPolicy
{
    public PeerReputation Create(string nodeId, double? vouchedTrust, DateTimeOffset now) =>
        new(nodeId, Clamp(vouchedTrust ?? options.Initial), 0, 0, 0, null, now, now, vouchedTrust.HasValue);

    public PeerReputation OnConfirmed(PeerReputation reputation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        var prior = PriorOf(reputation);
        var next = reputation with { Confirmed = reputation.Confirmed + 1 };
        return next with { Trust = TrustOf(prior, next) };
    }

    public PeerReputation OnContradicted(PeerReputation reputation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        var prior = PriorOf(reputation);
        var next = reputation with { Contradicted = reputation.Contradicted + 1 };
        return next with { Trust = TrustOf(prior, next) };
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

    /// <summary>The prior's "successes" a, in [0, n].</summary>
    private double PriorOf(PeerReputation reputation)
    {
        var evidence = options.PriorStrength + Math.Max(0, reputation.Confirmed) + options.ContradictionWeight * Math.Max(0, reputation.Contradicted);
        var a = Clamp(reputation.Trust) * evidence - Math.Max(0, reputation.Confirmed);
        return Math.Clamp(a, 0, options.PriorStrength);
    }

    private double TrustOf(double prior, PeerReputation reputation)
    {
        double confirmed = Math.Max(0, reputation.Confirmed);
        double contradicted = Math.Max(0, reputation.Contradicted);
        return Clamp((prior + confirmed) / (options.PriorStrength + confirmed + options.ContradictionWeight * contradicted));
    }

    // NaN (a corrupt persisted value) becomes 0: distrust, never a weight of NaN.
    private static double Clamp(double trust) => double.IsNaN(trust) ? 0 : Math.Clamp(trust, 0, 1);
}
