using System.Net;
using System.Reflection;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Plugins.Tests.TrustPolicies;
using InnerWarden.Mesh.Staging.Threshold;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.Threshold;

public sealed class ThresholdStagingPoolTests
{
    private const string PeerA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string PeerB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string PeerC = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    private const string Self = "5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f";

    private static readonly IPAddress Attacker = IPAddress.Parse("185.220.1.7");
    private static readonly IPAddress Other = IPAddress.Parse("2a01:4f8::1");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void Entry_class_is_exported_as_the_threshold_staging_plugin()
    {
        var attribute = typeof(ThresholdStagingPlugin).GetCustomAttribute<MeshPluginAttribute>();

        Assert.NotNull(attribute);
        Assert.Equal(PluginKind.Staging, attribute.Kind);
        Assert.Equal("threshold", attribute.Name);
    }

    [Theory]
    [InlineData(0.0, SignalAction.Discarded, 0)]
    [InlineData(0.2999, SignalAction.Discarded, 0)]
    [InlineData(0.3, SignalAction.Watchlisted, 2)]
    [InlineData(0.5999, SignalAction.Watchlisted, 2)]
    [InlineData(0.6, SignalAction.BlockedShortTtl, 1)]
    [InlineData(0.7999, SignalAction.BlockedShortTtl, 1)]
    [InlineData(0.8, SignalAction.BlockedFull, 24)]
    [InlineData(1.0, SignalAction.BlockedFull, 24)]
    public void Score_maps_to_the_seeds_action_and_ttl(double score, SignalAction action, int ttlHours)
    {
        var pool = Pool();

        var result = pool.Stage(Request(Attacker, PeerA, score));

        Assert.Equal(action, result.Action);
        Assert.Null(result.Previous);
        Assert.Null(result.Evicted);
        if (action == SignalAction.Discarded)
        {
            Assert.Null(result.Current);
            Assert.Equal(0, pool.Count);
            return;
        }
        var expected = new StagedEntry(Attacker, action, score, "sshd", Now, Now.AddHours(ttlHours), [PeerA], false, false);
        Assert.Equal(Describe(expected), Describe(Assert.IsType<StagedEntry>(result.Current)));
        Assert.Equal(Describe(expected), Describe(pool.Find(Attacker)!));
        Assert.Equal(1, pool.Count);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(-3.0)]
    public void Garbage_score_is_discarded_not_staged(double score)
    {
        var pool = Pool();

        Assert.Equal(SignalAction.Discarded, pool.Stage(Request(Attacker, PeerA, score)).Action);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void Best_score_stands_and_a_lower_later_score_never_downgrades()
    {
        var pool = Pool();
        var full = pool.Stage(Request(Attacker, PeerA, 0.85)).Current!;
        _time.Advance(TimeSpan.FromMinutes(30));

        var result = pool.Stage(Request(Attacker, PeerB, 0.4, detector: "nginx"));

        Assert.Equal(SignalAction.BlockedFull, result.Action);
        Assert.Same(full, result.Previous);
        var current = result.Current!;
        Assert.Equal(SignalAction.BlockedFull, current.Action);
        Assert.Equal(0.85, current.Score);
        Assert.Equal("sshd", current.Detector);
        Assert.Equal(full.ExpiresAt, current.ExpiresAt);
        Assert.Equal([PeerA, PeerB], current.Contributors);
    }

    [Fact]
    public void Higher_score_upgrades_and_expiry_becomes_the_later_of_old_and_new()
    {
        var pool = Pool();
        var t0 = Now;
        pool.Stage(Request(Attacker, PeerA, 0.4)); // watchlist until t0 + 2h
        _time.Advance(TimeSpan.FromMinutes(10));

        // Short block: now + 1h = t0 + 70m is earlier than t0 + 2h, so the expiry stays.
        var shortBlock = pool.Stage(Request(Attacker, PeerB, 0.65, detector: "nginx")).Current!;
        Assert.Equal(SignalAction.BlockedShortTtl, shortBlock.Action);
        Assert.Equal(0.65, shortBlock.Score);
        Assert.Equal("nginx", shortBlock.Detector);
        Assert.Equal(t0.AddHours(2), shortBlock.ExpiresAt);
        Assert.Equal(t0, shortBlock.StagedAt);

        _time.Advance(TimeSpan.FromMinutes(80));
        var higher = pool.Stage(Request(Attacker, PeerC, 0.7)).Current!;
        Assert.Equal(Now.AddHours(1), higher.ExpiresAt);
        Assert.Equal([PeerA, PeerB, PeerC], higher.Contributors);
    }

    [Fact]
    public void A_peer_reporting_again_is_recorded_once()
    {
        var pool = Pool();

        pool.Stage(Request(Attacker, PeerA, 0.4));
        pool.Stage(Request(Attacker, PeerA, 0.5));
        var result = pool.Stage(Request(Attacker, PeerA, 0.45));

        Assert.Equal([PeerA], result.Current!.Contributors);
        Assert.Equal(0.5, result.Current.Score);
    }

    [Fact]
    public void Same_report_again_changes_nothing()
    {
        var pool = Pool();
        var first = pool.Stage(Request(Attacker, PeerA, 0.7)).Current;

        var again = pool.Stage(Request(Attacker, PeerA, 0.7));

        Assert.Same(first, again.Previous);
        Assert.Same(first, again.Current);
    }

    [Fact]
    public void Local_detection_marks_the_entry_local_and_is_not_a_contributor()
    {
        var pool = Pool();

        var local = pool.Stage(Request(Attacker, Self, 0.9, local: true)).Current!;
        Assert.True(local.Local);
        Assert.Empty(local.Contributors);

        pool.Stage(Request(Other, PeerA, 0.7));
        var joined = pool.Stage(Request(Other, Self, 0.5, local: true)).Current!;
        Assert.True(joined.Local);
        Assert.Equal([PeerA], joined.Contributors);
        Assert.Equal(0.7, joined.Score);
    }

    [Fact]
    public void Weak_report_for_a_staged_address_is_discarded_and_leaves_the_entry_alone()
    {
        var pool = Pool();
        var entry = pool.Stage(Request(Attacker, PeerA, 0.7)).Current;

        var result = pool.Stage(Request(Attacker, PeerB, 0.1));

        Assert.Equal(SignalAction.Discarded, result.Action);
        Assert.Same(entry, result.Previous);
        Assert.Same(entry, result.Current);
        Assert.Equal([PeerA], pool.Find(Attacker)!.Contributors);
    }

    [Fact]
    public void Full_pool_never_drops_a_full_block_for_a_watchlist_entry()
    {
        var pool = Pool(maxStaged: 3);
        for (var i = 1; i <= 3; i++)
        {
            pool.Stage(Request(Ip(i), PeerA, 0.9));
        }
        var before = ByExpiry(pool.Entries).Select(Describe).ToList();

        var result = pool.Stage(Request(Ip(4), PeerB, 0.59));

        Assert.Equal(new StageResult(SignalAction.Discarded, null, null, null), result);
        Assert.Equal(before, ByExpiry(pool.Entries).Select(Describe).ToList());
        // Dropped, but remembered: a later local detection still credits the sender.
        Assert.Contains(pool.Remembered, r => r.Ip.Equals(Ip(4)) && r.NodeId == PeerB);
    }

    [Fact]
    public void Full_pool_evicts_a_watchlist_entry_for_a_full_block()
    {
        var pool = Pool(maxStaged: 3);
        pool.Stage(Request(Ip(1), PeerA, 0.9));
        var watch = pool.Stage(Request(Ip(2), PeerA, 0.35)).Current!;
        pool.Stage(Request(Ip(3), PeerA, 0.7));

        var result = pool.Stage(Request(Ip(4), PeerB, 0.85));

        Assert.Equal(SignalAction.BlockedFull, result.Action);
        Assert.Same(watch, result.Evicted);
        Assert.Null(pool.Find(Ip(2)));
        Assert.NotNull(pool.Find(Ip(4)));
        Assert.Equal(3, pool.Count);
    }

    [Fact]
    public void Eviction_takes_the_lowest_action_then_the_lowest_score_then_the_soonest_expiry()
    {
        var pool = Pool(maxStaged: 4);
        pool.Stage(Request(Ip(1), PeerA, 0.95));
        pool.Stage(Request(Ip(2), PeerA, 0.61)); // short block, expires first
        _time.Advance(TimeSpan.FromMinutes(1));
        pool.Stage(Request(Ip(3), PeerA, 0.61)); // same score, expires later
        pool.Stage(Request(Ip(4), PeerA, 0.75));

        var first = pool.Stage(Request(Ip(5), PeerB, 0.62)); // beats both 0.61s on score
        var second = pool.Stage(Request(Ip(6), PeerB, 0.62)); // now beats only Ip(3)

        Assert.Equal(Ip(2), first.Evicted!.Ip);
        Assert.Equal(Ip(3), second.Evicted!.Ip);
    }

    [Fact]
    public void Newcomer_worth_exactly_the_least_valuable_entry_is_the_one_dropped()
    {
        var pool = Pool(maxStaged: 1);
        pool.Stage(Request(Ip(1), PeerA, 0.7));

        var result = pool.Stage(Request(Ip(2), PeerB, 0.7));

        Assert.Equal(SignalAction.Discarded, result.Action);
        Assert.NotNull(pool.Find(Ip(1)));
        Assert.Null(pool.Find(Ip(2)));
    }

    [Fact]
    public void Full_pool_still_aggregates_into_an_existing_entry()
    {
        var pool = Pool(maxStaged: 1);
        pool.Stage(Request(Ip(1), PeerA, 0.4));

        var result = pool.Stage(Request(Ip(1), PeerB, 0.9));

        Assert.Equal(SignalAction.BlockedFull, result.Action);
        Assert.Null(result.Evicted);
        Assert.Equal([PeerA, PeerB], pool.Find(Ip(1))!.Contributors);
    }

    [Fact]
    public void Confirmation_upgrades_to_a_full_block_for_24h_and_credits_every_contributor()
    {
        var pool = Pool();
        pool.Stage(Request(Attacker, PeerA, 0.4));
        pool.Stage(Request(Attacker, PeerB, 0.65));
        _time.Advance(TimeSpan.FromMinutes(30));

        var result = pool.Confirm(Attacker, Now);

        Assert.Equal(SignalAction.BlockedShortTtl, result.Previous!.Action);
        var current = result.Current!;
        Assert.Equal(SignalAction.BlockedFull, current.Action);
        Assert.Equal(Now.AddHours(24), current.ExpiresAt);
        Assert.True(current.Confirmed);
        Assert.Equal([PeerA, PeerB], result.CreditedPeers);
        Assert.Equal(Describe(current), Describe(pool.Find(Attacker)!));
    }

    [Fact]
    public void A_second_confirmation_credits_only_contributors_that_joined_since()
    {
        var pool = Pool();
        pool.Stage(Request(Attacker, PeerA, 0.7));
        pool.Confirm(Attacker, Now);
        _time.Advance(TimeSpan.FromHours(1));

        var again = pool.Confirm(Attacker, Now);
        Assert.Empty(again.CreditedPeers);
        Assert.Equal(Now.AddHours(24), again.Current!.ExpiresAt); // renewed by the new sighting

        pool.Stage(Request(Attacker, PeerB, 0.5));
        Assert.Equal([PeerB], pool.Confirm(Attacker, Now).CreditedPeers);
    }

    [Fact]
    public void Discarded_signal_is_remembered_and_credits_its_sender_on_a_later_local_detection()
    {
        var pool = Pool();
        // A new peer: trust 0.1 x confidence 1.0 weighs too little to stage.
        var discarded = pool.Stage(Request(Attacker, PeerC, 0.1));
        Assert.Equal(SignalAction.Discarded, discarded.Action);
        Assert.Equal([new RememberedSignal(Attacker, PeerC, Now.AddHours(1))], pool.Remembered);
        _time.Advance(TimeSpan.FromMinutes(20));

        var confirm = pool.Confirm(Attacker, Now);

        Assert.Null(confirm.Previous);
        Assert.Null(confirm.Current);
        Assert.Equal([PeerC], confirm.CreditedPeers);
        Assert.Empty(pool.Remembered);
        Assert.Empty(pool.Confirm(Attacker, Now).CreditedPeers); // forgotten once credited
    }

    [Fact]
    public void Sender_both_remembered_and_contributing_is_credited_once()
    {
        var pool = Pool();
        pool.Stage(Request(Attacker, PeerA, 0.2));
        pool.Stage(Request(Attacker, PeerB, 0.2));
        pool.Stage(Request(Attacker, PeerA, 0.7));

        var confirm = pool.Confirm(Attacker, Now);

        Assert.Equal([PeerA, PeerB], confirm.CreditedPeers);
        Assert.Equal([PeerA], confirm.Current!.Contributors);
    }

    [Fact]
    public void Remembered_signal_is_forgotten_after_its_ttl()
    {
        var pool = Pool();
        pool.Stage(Request(Attacker, PeerC, 0.1, signalTtl: TimeSpan.FromHours(1)));
        _time.Advance(TimeSpan.FromHours(1));

        pool.Expire(Now);

        Assert.Empty(pool.Remembered);
        Assert.Empty(pool.Confirm(Attacker, Now).CreditedPeers);
    }

    [Fact]
    public void Remembered_ttl_is_capped_at_24h_and_local_or_ttl_less_discards_are_not_remembered()
    {
        var pool = Pool();

        pool.Stage(Request(Attacker, PeerC, 0.1, signalTtl: TimeSpan.FromDays(30)));
        pool.Stage(Request(Other, Self, 0.1, local: true));
        pool.Stage(Request(Other, PeerA, 0.1, signalTtl: TimeSpan.Zero));

        Assert.Equal([new RememberedSignal(Attacker, PeerC, Now.AddHours(24))], pool.Remembered);
    }

    [Fact]
    public void Remembered_signals_are_bounded_and_the_soonest_expiring_goes_first()
    {
        var pool = Pool(settings: new() { ["max_remembered"] = "2" });
        pool.Stage(Request(Ip(1), PeerA, 0.1, signalTtl: TimeSpan.FromHours(3)));
        pool.Stage(Request(Ip(2), PeerA, 0.1, signalTtl: TimeSpan.FromHours(1)));
        pool.Stage(Request(Ip(3), PeerA, 0.1, signalTtl: TimeSpan.FromHours(2)));
        pool.Stage(Request(Ip(4), PeerA, 0.1, signalTtl: TimeSpan.FromMinutes(30))); // would expire first: not kept

        Assert.Equal([Ip(3), Ip(1)], ByExpiry(pool.Remembered).Select(r => r.Ip));
    }

    [Fact]
    public void Many_contributors_are_each_listed_once_and_credited_once()
    {
        var pool = Pool();
        var peers = Enumerable.Range(0, 12).Select(i => new string((char)('0' + i % 10), 63) + (char)('a' + i / 10)).ToArray();
        foreach (var round in new[] { 0.5, 0.6, 0.7 })
        {
            foreach (var peer in peers)
            {
                pool.Stage(Request(Attacker, peer, round));
            }
        }

        Assert.Equal(peers, pool.Find(Attacker)!.Contributors);
        Assert.Equal(peers, pool.Confirm(Attacker, Now).CreditedPeers);
        Assert.Empty(pool.Confirm(Attacker, Now).CreditedPeers);
    }

    [Fact]
    public void Senders_of_one_address_stay_creditable_when_one_of_them_is_evicted_or_expires()
    {
        var pool = Pool(settings: new() { ["max_remembered"] = "3" });
        pool.Stage(Request(Attacker, PeerA, 0.1, signalTtl: TimeSpan.FromHours(3)));
        pool.Stage(Request(Attacker, PeerB, 0.1, signalTtl: TimeSpan.FromHours(1)));
        pool.Stage(Request(Attacker, PeerC, 0.1, signalTtl: TimeSpan.FromHours(2)));
        pool.Stage(Request(Other, PeerB, 0.1, signalTtl: TimeSpan.FromHours(4))); // full: PeerB's for Attacker goes
        _time.Advance(TimeSpan.FromHours(2));
        pool.Expire(Now); // PeerC's for Attacker ends

        Assert.Equal([PeerA], pool.Confirm(Attacker, Now).CreditedPeers);
        Assert.Equal([PeerB], pool.Confirm(Other, Now).CreditedPeers);
        Assert.Empty(pool.Remembered);
    }

    [Fact]
    public void Expiry_returns_entries_with_their_contributors_exactly_at_their_ttl()
    {
        var pool = Pool();
        pool.Stage(Request(Attacker, PeerA, 0.65));
        pool.Stage(Request(Attacker, PeerB, 0.62));
        pool.Stage(Request(Other, PeerC, 0.9));
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(pool.Expire(Now));

        _time.Advance(TimeSpan.FromMinutes(1));
        var expired = Assert.Single(pool.Expire(Now));

        Assert.Equal(Attacker, expired.Ip);
        Assert.Equal([PeerA, PeerB], expired.Contributors);
        Assert.False(expired.Confirmed);
        Assert.Null(pool.Find(Attacker));
        Assert.Equal(1, pool.Count);
        Assert.Empty(pool.Expire(Now));
    }

    [Fact]
    public void Expiry_follows_upgrades_not_the_first_ttl()
    {
        var pool = Pool();
        pool.Stage(Request(Attacker, PeerA, 0.65));
        pool.Confirm(Attacker, Now);
        _time.Advance(TimeSpan.FromHours(2));

        Assert.Empty(pool.Expire(Now));
        _time.Advance(TimeSpan.FromHours(22));
        Assert.True(Assert.Single(pool.Expire(Now)).Confirmed);
    }

    [Fact]
    public void Restore_round_trips_entries_and_remembered_signals()
    {
        var pool = Pool();
        pool.Stage(Request(Attacker, PeerA, 0.7));
        pool.Stage(Request(Attacker, PeerB, 0.4));
        pool.Confirm(Attacker, Now);
        pool.Stage(Request(Other, Self, 0.5, local: true));
        pool.Stage(Request(Ip(9), PeerC, 0.05));
        pool.Stage(Request(Ip(9), PeerA, 0.05, signalTtl: TimeSpan.FromHours(3)));

        var restored = Pool();
        restored.Restore(pool.Entries, pool.Remembered);

        Assert.Equal(ByExpiry(pool.Entries).Select(Describe), ByExpiry(restored.Entries).Select(Describe));
        Assert.Equal(ByExpiry(pool.Remembered), ByExpiry(restored.Remembered));
        Assert.Equal(2, restored.Count);
        // Crediting happened before the restart: confirming again credits only the remembered senders.
        Assert.Empty(restored.Confirm(Attacker, Now).CreditedPeers);
        Assert.Equal([PeerA, PeerC], restored.Confirm(Ip(9), Now).CreditedPeers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Restore_replaces_content_and_keeps_the_most_valuable_within_the_bound()
    {
        var pool = Pool(maxStaged: 2);
        pool.Stage(Request(Ip(7), PeerA, 0.9));
        StagedEntry[] persisted =
        [
            new(Ip(1), SignalAction.Watchlisted, 0.4, "sshd", Now, Now.AddHours(2), [PeerA, PeerA], false, false),
            new(Ip(2), SignalAction.BlockedFull, 0.9, "sshd", Now, Now.AddHours(24), [PeerB], false, false),
            new(Ip(3), SignalAction.BlockedShortTtl, 0.7, "sshd", Now, Now.AddHours(1), [PeerC], false, false),
            new(Ip(4), SignalAction.Discarded, 0.1, "sshd", Now, Now.AddHours(1), [PeerC], false, false),
        ];

        pool.Restore(persisted, []);

        Assert.Equal([Ip(3), Ip(2)], ByExpiry(pool.Entries).Select(e => e.Ip));
        Assert.Null(pool.Find(Ip(7)));
    }

    [Fact]
    public void Thresholds_and_ttls_are_overridable_by_settings()
    {
        var pool = Pool(settings: new()
        {
            ["watchlist_at"] = "0.2",
            ["block_short_at"] = "0.5",
            ["block_full_at"] = "0.9",
            ["watchlist_ttl_secs"] = "600",
            ["block_short_ttl_secs"] = "300",
            ["block_full_ttl_secs"] = "3600",
        });

        Assert.Equal((SignalAction.Watchlisted, Now.AddMinutes(10)), Outcome(pool.Stage(Request(Ip(1), PeerA, 0.25))));
        Assert.Equal((SignalAction.BlockedShortTtl, Now.AddMinutes(5)), Outcome(pool.Stage(Request(Ip(2), PeerA, 0.85))));
        Assert.Equal((SignalAction.BlockedFull, Now.AddHours(1)), Outcome(pool.Stage(Request(Ip(3), PeerA, 0.9))));
        Assert.Equal(Now.AddHours(1), pool.Confirm(Ip(1), Now).Current!.ExpiresAt);
    }

    [Theory]
    [InlineData("watchlist_at", "0")]
    [InlineData("watchlist_at", "abc")]
    [InlineData("block_full_at", "1.2")]
    [InlineData("block_short_at", "NaN")]
    [InlineData("block_full_ttl_secs", "0")]
    [InlineData("watchlist_ttl_secs", "1.5")]
    [InlineData("block_short_ttl_secs", "99999999999")]
    [InlineData("max_remembered", "-1")]
    public void Bad_setting_stops_registration_naming_the_setting_and_the_value(string key, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => Pool(settings: new() { [key] = value }));

        Assert.StartsWith($"plugin_settings.threshold.{key}: expected a ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($", got '{value}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Crossing_thresholds_and_unknown_settings_are_rejected()
    {
        var crossing = Assert.Throws<ArgumentException>(() => Pool(settings: new() { ["block_short_at"] = "0.9" }));
        var unknown = Assert.Throws<ArgumentException>(() => Pool(settings: new() { ["block_ful_at"] = "0.9" }));
        var bound = Assert.Throws<ArgumentException>(() => Pool(maxStaged: 0));

        Assert.Equal("plugin_settings.threshold.block_short_at: thresholds must satisfy watchlist_at <= block_short_at <= block_full_at, got 0.3, 0.9, 0.8", crossing.Message);
        Assert.StartsWith("plugin_settings.threshold.block_ful_at: unknown setting; expected one of: watchlist_at, block_short_at, block_full_at,", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("max_staged: '0'", bound.Message, StringComparison.Ordinal);
    }

    internal static IStagingPool Pool(int maxStaged = 10_000, Dictionary<string, string>? settings = null) =>
        PluginServices.Resolve<IStagingPool>(new ThresholdStagingPlugin(), "threshold", settings, maxStaged);

    // The pool lists its entries in no particular order.
    internal static IEnumerable<StagedEntry> ByExpiry(IEnumerable<StagedEntry> entries) =>
        entries.OrderBy(e => e.ExpiresAt).ThenBy(e => e.Ip.ToString(), StringComparer.Ordinal);

    internal static IEnumerable<RememberedSignal> ByExpiry(IEnumerable<RememberedSignal> remembered) =>
        remembered.OrderBy(r => r.ExpiresAt).ThenBy(r => r.Ip.ToString(), StringComparer.Ordinal).ThenBy(r => r.NodeId, StringComparer.Ordinal);

    internal static IPAddress Ip(int n) => new([203, 0, (byte)(n >> 8), (byte)n]);

    internal static string Describe(StagedEntry e) =>
        $"{e.Ip} {e.Action} {e.Score} {e.Detector} {e.StagedAt:O} {e.ExpiresAt:O} [{string.Join(",", e.Contributors)}] {e.Confirmed} {e.Local}";

    private StageRequest Request(IPAddress ip, string peer, double score, bool local = false, string detector = "sshd", TimeSpan? signalTtl = null) =>
        new(ip, peer, score, detector, signalTtl ?? TimeSpan.FromHours(1), local, Now);

    private static (SignalAction, DateTimeOffset?) Outcome(StageResult result) => (result.Action, result.Current?.ExpiresAt);
}
