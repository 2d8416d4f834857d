using FsCheck.Xunit;
using InnerWarden.Mesh.Contracts.Trust;
using InnerWarden.Mesh.Plugins.Tests.TrustPolicies;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.Bayesian;

public sealed class BayesianPolicyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ITrustPolicy _policy = TrustPolicyFactory.Create("bayesian");

    [Fact]
    public void Vouched_peer_keeps_its_vouched_prior_through_later_events()
    {
        // Vouched 0.5 with prior strength 10: a = 5, b = 5; after one contradiction 5 / 13, then a confirmation 6 / 14.
        var reputation = _policy.Create(TrustPolicyFactory.NodeId, 0.5, _time.GetUtcNow());

        reputation = _policy.OnContradicted(reputation, _time.GetUtcNow());
        Assert.Equal(5.0 / 13.0, reputation.Trust, 12);
        reputation = _policy.OnConfirmed(reputation, _time.GetUtcNow());
        Assert.Equal(6.0 / 14.0, reputation.Trust, 12);
    }

    [Fact]
    public void Prior_strength_and_contradiction_weight_are_overridable_by_settings()
    {
        var policy = TrustPolicyFactory.Create("bayesian", new Dictionary<string, string>
        {
            ["initial"] = "0.2",
            ["prior_strength"] = "5",
            ["contradiction_weight"] = "2",
        });
        var reputation = policy.Create(TrustPolicyFactory.NodeId, null, _time.GetUtcNow());

        // a = 1, b = 4: one contradiction counted twice gives 1 / 7.
        Assert.Equal(1.0 / 7.0, policy.OnContradicted(reputation, _time.GetUtcNow()).Trust, 12);
    }

    [Fact]
    public void Reputation_made_by_another_policy_is_adopted_with_its_current_trust_as_prior()
    {
        // A tit-for-tat history: trust 0.6 after 12 confirmations, 2 contradictions.
        var foreign = _policy.Create(TrustPolicyFactory.NodeId, null, _time.GetUtcNow()) with { Trust = 0.6, Confirmed = 12, Contradicted = 2 };

        var next = _policy.OnConfirmed(foreign, _time.GetUtcNow());

        // a = 0.6 x (10 + 12 + 6) - 12 = 4.8, then (4.8 + 13) / (10 + 13 + 6).
        Assert.Equal(17.8 / 29.0, next.Trust, 12);
    }

    [Property(MaxTest = 200)]
    public bool Trust_depends_only_on_the_counts_whatever_the_order(bool[] events)
    {
        var inOrder = _policy.Create(TrustPolicyFactory.NodeId, null, _time.GetUtcNow());
        foreach (var confirmed in events)
        {
            inOrder = confirmed ? _policy.OnConfirmed(inOrder, _time.GetUtcNow()) : _policy.OnContradicted(inOrder, _time.GetUtcNow());
        }
        double good = events.Count(e => e);
        double bad = events.Length - good;

        return Math.Abs(inOrder.Trust - ((1 + good) / (10 + good + (3 * bad)))) < 1e-9;
    }
}
