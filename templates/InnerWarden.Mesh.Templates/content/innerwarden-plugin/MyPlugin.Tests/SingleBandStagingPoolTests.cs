using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using MyPlugin;

namespace MyPlugin.Tests;

public sealed class SingleBandStagingPoolTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Attacker = IPAddress.Parse("198.51.100.7");

    [Fact]
    public void A_score_at_the_band_blocks_and_a_lower_one_is_discarded()
    {
        var pool = new SingleBandStagingPool(0.5, TimeSpan.FromHours(1));
        Assert.Equal(SignalAction.Discarded, pool.Stage(Request(0.49)).Action);
        Assert.Equal(0, pool.Count);
        var staged = pool.Stage(Request(0.5));
        Assert.Equal(SignalAction.BlockedShortTtl, staged.Action);
        Assert.Equal(Now.AddHours(1), staged.Current!.ExpiresAt);
    }

    [Fact]
    public void Confirmation_upgrades_to_the_full_block_and_credits_contributors_once()
    {
        var pool = new SingleBandStagingPool(0.5, TimeSpan.FromHours(1));
        pool.Stage(Request(0.7));
        var first = pool.Confirm(Attacker, Now);
        Assert.Equal(SignalAction.BlockedFull, first.Current!.Action);
        Assert.Equal(["peer-1"], first.CreditedPeers);
        Assert.Empty(pool.Confirm(Attacker, Now).CreditedPeers);
    }

    [Fact]
    public void Entries_expire_at_their_ttl()
    {
        var pool = new SingleBandStagingPool(0.5, TimeSpan.FromHours(1));
        pool.Stage(Request(0.7));
        Assert.Empty(pool.Expire(Now.AddMinutes(59)));
        Assert.Single(pool.Expire(Now.AddHours(1)));
        Assert.Null(pool.Find(Attacker));
    }

    private static StageRequest Request(double score) =>
        new(Attacker, "peer-1", score, "ssh_bruteforce", TimeSpan.FromHours(1), Local: false, Now);
}
