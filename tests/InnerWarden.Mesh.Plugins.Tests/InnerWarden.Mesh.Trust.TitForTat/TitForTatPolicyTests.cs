using InnerWarden.Mesh.Contracts.Trust;
using InnerWarden.Mesh.Plugins.Tests.TrustPolicies;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.TitForTat;

public sealed class TitForTatPolicyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ITrustPolicy _policy = TrustPolicyFactory.Create("tit-for-tat");

    [Fact]
    public void Three_confirmations_make_up_for_one_contradiction()
    {
        var start = _policy.Create(TrustPolicyFactory.NodeId, 0.5, _time.GetUtcNow());

        var reputation = _policy.OnContradicted(start, _time.GetUtcNow());
        for (var i = 0; i < 3; i++)
        {
            reputation = _policy.OnConfirmed(reputation, _time.GetUtcNow());
        }

        Assert.Equal(0.5, reputation.Trust, 12);
    }

    [Fact]
    public void Trust_clamps_at_one_and_at_zero()
    {
        var top = _policy.Create(TrustPolicyFactory.NodeId, 0.98, _time.GetUtcNow());
        var bottom = _policy.Create(TrustPolicyFactory.NodeId, 0.1, _time.GetUtcNow());

        Assert.Equal(1.0, _policy.OnConfirmed(top, _time.GetUtcNow()).Trust);
        Assert.Equal(0.0, _policy.OnContradicted(bottom, _time.GetUtcNow()).Trust);
    }

    [Fact]
    public void Steps_are_overridable_by_settings()
    {
        var policy = TrustPolicyFactory.Create("tit-for-tat", new Dictionary<string, string>
        {
            ["initial"] = "0.2",
            ["confirm_step"] = "0.1",
            ["contradict_step"] = "0.05",
        });
        var reputation = policy.Create(TrustPolicyFactory.NodeId, null, _time.GetUtcNow());

        Assert.Equal(0.2, reputation.Trust, 12);
        Assert.Equal(0.3, policy.OnConfirmed(reputation, _time.GetUtcNow()).Trust, 12);
        Assert.Equal(0.15, policy.OnContradicted(reputation, _time.GetUtcNow()).Trust, 12);
    }

    [Fact]
    public void Corrupt_trust_value_becomes_distrust_not_nan()
    {
        var corrupt = _policy.Create(TrustPolicyFactory.NodeId, 0.5, _time.GetUtcNow()) with { Trust = double.NaN };

        Assert.Equal(0.05, _policy.OnConfirmed(corrupt, _time.GetUtcNow()).Trust, 12);
        Assert.Equal(0, _policy.Weigh(corrupt, 1f, _time.GetUtcNow()));
    }
}
