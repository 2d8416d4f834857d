using System.Reflection;
using FsCheck.Xunit;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.TrustPolicies;

/// <summary>
/// The behaviour every trust policy must show, run against each shipped one: swapping the policy in config
/// changes how fast and how far trust moves, never these rules.
/// </summary>
public sealed class TrustPolicyContractTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    public static TheoryData<string> Policies => TrustPolicyFactory.Names;

    [Theory]
    [MemberData(nameof(Policies))]
    public void Entry_class_is_exported_as_a_trust_plugin_under_its_config_name(string name)
    {
        var type = TrustPolicyFactory.Plugin(name).GetType();
        var attribute = type.GetCustomAttribute<MeshPluginAttribute>();

        Assert.NotNull(attribute);
        Assert.Equal(PluginKind.Trust, attribute.Kind);
        Assert.Equal(name, attribute.Name);
        Assert.Equal(typeof(IMeshPlugin), attribute.ContractType);
        Assert.True(type.IsPublic && type.IsSealed);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void New_identity_starts_skeptical_at_0_1_with_nothing_counted(string name)
    {
        var now = _time.GetUtcNow();
        var reputation = TrustPolicyFactory.Create(name).Create(TrustPolicyFactory.NodeId, null, now);

        Assert.Equal(new PeerReputation(TrustPolicyFactory.NodeId, 0.1, 0, 0, 0, null, now, now, false), reputation);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Vouched_identity_starts_at_the_operators_trust_and_is_marked_vouched(string name)
    {
        var reputation = TrustPolicyFactory.Create(name).Create(TrustPolicyFactory.NodeId, 0.5, _time.GetUtcNow());

        Assert.Equal(0.5, reputation.Trust, 12);
        Assert.True(reputation.Vouched);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Confirmation_raises_trust_and_counts_it_leaving_identity_and_times_alone(string name)
    {
        var policy = TrustPolicyFactory.Create(name);
        var before = policy.Create(TrustPolicyFactory.NodeId, null, _time.GetUtcNow()) with { SignalsReceived = 7 };
        _time.Advance(TimeSpan.FromMinutes(5));

        var after = policy.OnConfirmed(before, _time.GetUtcNow());

        Assert.True(after.Trust > before.Trust, $"{after.Trust} should exceed {before.Trust}");
        Assert.Equal(before with { Trust = after.Trust, Confirmed = 1 }, after);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Contradiction_lowers_trust_and_counts_it_leaving_identity_and_times_alone(string name)
    {
        var policy = TrustPolicyFactory.Create(name);
        var before = policy.Create(TrustPolicyFactory.NodeId, 0.5, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMinutes(5));

        var after = policy.OnContradicted(before, _time.GetUtcNow());

        Assert.True(after.Trust < before.Trust, $"{after.Trust} should be below {before.Trust}");
        Assert.Equal(before with { Trust = after.Trust, Contradicted = 1 }, after);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void A_contradiction_from_full_trust_costs_more_than_a_confirmation_earns_back(string name)
    {
        var policy = TrustPolicyFactory.Create(name);
        var vouched = policy.Create(TrustPolicyFactory.NodeId, 0.9, _time.GetUtcNow());

        var gain = policy.OnConfirmed(vouched, _time.GetUtcNow()).Trust - vouched.Trust;
        var loss = vouched.Trust - policy.OnContradicted(vouched, _time.GetUtcNow()).Trust;

        // A hair of slack: 0.15 - 3 x 0.05 is not exactly 0 in binary floating point.
        Assert.True(loss >= (3 * gain) - 1e-9, $"loss {loss} should be at least three times gain {gain}");
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Weight_is_trust_times_confidence(string name)
    {
        var policy = TrustPolicyFactory.Create(name);
        var reputation = policy.Create(TrustPolicyFactory.NodeId, 0.85, _time.GetUtcNow());

        Assert.Equal(0.85 * 0.92f, policy.Weigh(reputation, 0.92f, _time.GetUtcNow()), 9);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Quarantined_peer_weighs_nothing_until_the_quarantine_ends(string name)
    {
        var policy = TrustPolicyFactory.Create(name);
        var now = _time.GetUtcNow();
        var reputation = policy.Create(TrustPolicyFactory.NodeId, 1.0, now) with { QuarantinedUntil = now.AddHours(1) };

        Assert.Equal(0, policy.Weigh(reputation, 1f, now));
        Assert.Equal(0, policy.Weigh(reputation, 1f, now.AddMinutes(59)));
        Assert.Equal(1, policy.Weigh(reputation, 1f, now.AddHours(1)));
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Non_finite_confidence_weighs_nothing(string name)
    {
        var policy = TrustPolicyFactory.Create(name);
        var reputation = policy.Create(TrustPolicyFactory.NodeId, 1.0, _time.GetUtcNow());

        Assert.Equal(0, policy.Weigh(reputation, float.NaN, _time.GetUtcNow()));
        Assert.Equal(0, policy.Weigh(reputation, float.PositiveInfinity, _time.GetUtcNow()));
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void A_new_peer_wrong_as_often_as_right_never_reaches_the_watchlist(string name)
    {
        var policy = TrustPolicyFactory.Create(name);
        var reputation = policy.Create(TrustPolicyFactory.NodeId, null, _time.GetUtcNow());

        for (var i = 0; i < 500; i++)
        {
            reputation = i % 2 == 0 ? policy.OnConfirmed(reputation, _time.GetUtcNow()) : policy.OnContradicted(reputation, _time.GetUtcNow());
            Assert.True(reputation.Trust < 0.3, $"trust {reputation.Trust} after {i + 1} events reaches the 0.3 watchlist threshold");
        }
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void A_new_peer_that_is_always_right_earns_full_block_trust(string name)
    {
        var policy = TrustPolicyFactory.Create(name);
        var reputation = policy.Create(TrustPolicyFactory.NodeId, null, _time.GetUtcNow());

        for (var i = 0; i < 50; i++)
        {
            reputation = policy.OnConfirmed(reputation, _time.GetUtcNow());
        }

        Assert.True(reputation.Trust >= 0.8, $"trust {reputation.Trust} after 50 confirmations");
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Initial_trust_is_overridable_by_setting(string name)
    {
        var policy = TrustPolicyFactory.Create(name, new Dictionary<string, string> { ["initial"] = "0.25" });

        Assert.Equal(0.25, policy.Create(TrustPolicyFactory.NodeId, null, _time.GetUtcNow()).Trust, 12);
    }

    [Theory]
    [InlineData("tit-for-tat", "initial", "1.5")]
    [InlineData("tit-for-tat", "initial", "-0.1")]
    [InlineData("tit-for-tat", "initial", "NaN")]
    [InlineData("tit-for-tat", "initial", "zero")]
    [InlineData("tit-for-tat", "confirm_step", "0")]
    [InlineData("tit-for-tat", "contradict_step", "2")]
    [InlineData("tit-for-tat", "contradict_step", "0,15")]
    [InlineData("tit-for-tat", "confrim_step", "0.05")]
    [InlineData("bayesian", "initial", "1.01")]
    [InlineData("bayesian", "initial", "Infinity")]
    [InlineData("bayesian", "prior_strength", "0")]
    [InlineData("bayesian", "contradiction_weight", "0.5")]
    [InlineData("bayesian", "contradiction_weight", "")]
    [InlineData("bayesian", "prior", "10")]
    public void Bad_setting_stops_registration_naming_the_setting_and_the_value(string name, string key, string value)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            TrustPolicyFactory.Create(name, new Dictionary<string, string> { [key] = value }));

        Assert.Contains($"plugin_settings.{name}.{key}", error.Message, StringComparison.Ordinal);
        if (value.Length > 0 && key is not ("confrim_step" or "prior"))
        {
            Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
        }
    }

    [Property(MaxTest = 200)]
    public bool Any_history_keeps_trust_within_0_and_1_and_counts_every_event(bool[] events, byte vouched)
    {
        foreach (var name in new[] { "tit-for-tat", "bayesian" })
        {
            var policy = TrustPolicyFactory.Create(name);
            double? start = vouched % 3 == 0 ? null : vouched / 255.0;
            var reputation = policy.Create(TrustPolicyFactory.NodeId, start, _time.GetUtcNow());
            foreach (var confirmed in events)
            {
                reputation = confirmed ? policy.OnConfirmed(reputation, _time.GetUtcNow()) : policy.OnContradicted(reputation, _time.GetUtcNow());
                if (!(reputation.Trust is >= 0 and <= 1))
                {
                    return false;
                }
            }
            if (reputation.Confirmed != events.Count(e => e) || reputation.Contradicted != events.Count(e => !e))
            {
                return false;
            }
        }
        return true;
    }
}
