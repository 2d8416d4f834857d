using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Trust;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.TrustPolicies;

/// <summary>Where the two policies should differ, which is why an operator would pick one or the other.</summary>
public sealed class TrustPolicyDifferenceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ITrustPolicy _titForTat = TrustPolicyFactory.Create("tit-for-tat");
    private readonly ITrustPolicy _bayesian = TrustPolicyFactory.Create("bayesian");

    [Fact]
    public void Bayesian_trust_ignores_the_order_of_events_while_tit_for_tat_does_not()
    {
        // Same three confirmations and three contradictions, two orders.
        bool[] goodFirst = [true, true, true, false, false, false];
        bool[] badFirst = [false, false, false, true, true, true];

        Assert.Equal(Replay(_bayesian, goodFirst).Trust, Replay(_bayesian, badFirst).Trust, 12);
        // Tit-for-tat: 0.1 + 0.15 - 0.45 clamps to 0; 0.1 - 0.45 clamps to 0, then + 0.15.
        Assert.Equal(0.0, Replay(_titForTat, goodFirst).Trust, 12);
        Assert.Equal(0.15, Replay(_titForTat, badFirst).Trust, 12);
    }

    [Fact]
    public void Bayesian_settles_on_the_peers_accuracy_while_tit_for_tat_saturates()
    {
        // A peer right four times in five: 4 x 0.05 - 0.15 > 0, so tit-for-tat climbs to the ceiling
        // (999 events end on a run of confirmations, so it sits at the ceiling, not 0.15 below it).
        var events = Enumerable.Range(0, 999).Select(i => i % 5 != 4).ToArray();

        Assert.Equal(1.0, Replay(_titForTat, events).Trust, 12);
        // Beta with contradictions weighted 3: p / (p + 3(1 - p)) = 0.8 / 1.4.
        Assert.Equal(0.8 / 1.4, Replay(_bayesian, events).Trust, 2);
    }

    [Fact]
    public void Tit_for_tat_reacts_faster_when_a_long_trusted_peer_turns_bad()
    {
        var honest = Enumerable.Repeat(true, 100).ToArray();
        var titForTat = Replay(_titForTat, honest);
        var bayesian = Replay(_bayesian, honest);

        var titForTatSteps = ContradictionsUntilBelow(_titForTat, titForTat, 0.3);
        var bayesianSteps = ContradictionsUntilBelow(_bayesian, bayesian, 0.3);

        Assert.Equal(5, titForTatSteps); // 1.0 - 5 x 0.15 = 0.25
        Assert.True(bayesianSteps > 10 * titForTatSteps, $"bayesian took {bayesianSteps} contradictions");
    }

    [Fact]
    public void Bayesian_new_peer_follows_the_beta_formula()
    {
        // a = 1, b = 9: (1 + 2) / (10 + 2 + 3 x 1).
        Assert.Equal(3.0 / 15.0, Replay(_bayesian, [true, false, true]).Trust, 12);
    }

    [Fact]
    public void Tit_for_tat_moves_by_the_seeds_fixed_steps()
    {
        var reputation = _titForTat.Create(TrustPolicyFactory.NodeId, 0.5, _time.GetUtcNow());

        Assert.Equal(0.55, _titForTat.OnConfirmed(reputation, _time.GetUtcNow()).Trust, 12);
        Assert.Equal(0.35, _titForTat.OnContradicted(reputation, _time.GetUtcNow()).Trust, 12);
    }

    private PeerReputation Replay(ITrustPolicy policy, bool[] events)
    {
        var reputation = policy.Create(TrustPolicyFactory.NodeId, null, _time.GetUtcNow());
        foreach (var confirmed in events)
        {
            reputation = confirmed ? policy.OnConfirmed(reputation, _time.GetUtcNow()) : policy.OnContradicted(reputation, _time.GetUtcNow());
        }
        return reputation;
    }

    private int ContradictionsUntilBelow(ITrustPolicy policy, PeerReputation reputation, double threshold)
    {
        var steps = 0;
        while (reputation.Trust >= threshold && steps < 10_000)
        {
            reputation = policy.OnContradicted(reputation, _time.GetUtcNow());
            steps++;
        }
        return steps;
    }
}
