using InnerWarden.Mesh.Host.Pipeline;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Pipeline;

public sealed class SeenSignalsTests
{
    [Fact]
    public void A_signature_is_remembered_for_the_acceptance_window_then_forgotten()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var seen = new SeenSignals(time);
        Assert.True(seen.TryAdd(Sig(1)));

        time.Advance(TimeSpan.FromMinutes(64));
        Assert.True(seen.Contains(Sig(1)));
        Assert.False(seen.TryAdd(Sig(1)));
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(seen.Contains(Sig(1)));
        Assert.True(seen.TryAdd(Sig(2)));
        Assert.Equal(1, seen.Count);
    }

    [Fact]
    public void Memory_is_bounded_by_evicting_the_oldest()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var seen = new SeenSignals(time, capacity: 1_000);

        for (int i = 0; i < 100_000; i++)
        {
            seen.TryAdd(Sig(i));
        }

        Assert.Equal(1_000, seen.Count);
        Assert.False(seen.Contains(Sig(0)));
        Assert.True(seen.Contains(Sig(99_999)));
    }

    [Fact]
    public void A_flood_of_fresh_identities_past_the_bound_never_evicts_a_known_signers_entry()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var seen = new SeenSignals(time, capacity: 1_000);
        for (int i = 0; i < 50; i++)
        {
            Assert.True(seen.TryAdd(Sig(i), known: true));
        }

        // Ten times the bound, each from an identity nobody knows.
        for (int i = 0; i < 10_000; i++)
        {
            Assert.True(seen.TryAdd(Sig(1_000_000 + i)));
        }

        Assert.All(Enumerable.Range(0, 50), i => Assert.False(seen.TryAdd(Sig(i), known: true), $"known entry {i} was evicted"));
        Assert.Equal(50, seen.KnownCount);
        // The unknown partition stays at its bound, its oldest gone first.
        Assert.Equal(1_000, seen.Count - seen.KnownCount);
        Assert.False(seen.Contains(Sig(1_000_000)));
        Assert.True(seen.Contains(Sig(1_000_000 + 9_999)));
        Assert.True(seen.Contains(Sig(1_000_000 + 9_000)));
        Assert.False(seen.Contains(Sig(1_000_000 + 8_999)));
    }

    [Fact]
    public void The_known_partition_is_bounded_on_its_own_and_a_replay_is_refused_whichever_partition_holds_it()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var seen = new SeenSignals(time, capacity: 100);
        Assert.True(seen.TryAdd(Sig(-1)));

        for (int i = 0; i < 300; i++)
        {
            seen.TryAdd(Sig(i), known: true);
        }

        Assert.Equal(100, seen.KnownCount);
        Assert.Equal(101, seen.Count);
        Assert.False(seen.Contains(Sig(199)));
        Assert.True(seen.Contains(Sig(200)));
        // Known signers evict only each other: the unknown entry is still there, and refused as known as well.
        Assert.False(seen.TryAdd(Sig(-1), known: true));
        Assert.False(seen.TryAdd(Sig(299)));
    }

    [Fact]
    public void Both_partitions_expire_after_the_window()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var seen = new SeenSignals(time, capacity: 10);
        seen.TryAdd(Sig(1), known: true);
        seen.TryAdd(Sig(2));

        time.Advance(SeenSignals.Window - TimeSpan.FromTicks(1));
        Assert.True(seen.Contains(Sig(1)));
        Assert.True(seen.Contains(Sig(2)));
        time.Advance(TimeSpan.FromTicks(1));

        Assert.False(seen.Contains(Sig(1)));
        Assert.False(seen.Contains(Sig(2)));
        Assert.True(seen.TryAdd(Sig(3)));
        Assert.Equal(1, seen.Count);
        Assert.Equal(0, seen.KnownCount);
    }

    [Fact]
    public void Restored_entries_go_back_to_their_partition_with_their_expiry()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var now = time.GetUtcNow();
        var seen = new SeenSignals(time, capacity: 100);
        var expired = (Key(7), now, true);
        seen.Restore([expired, (Key(1), now + TimeSpan.FromMinutes(10), true), (Key(2), now + TimeSpan.FromMinutes(20), false)], now);

        Assert.Equal(1, seen.KnownCount);
        Assert.Equal(2, seen.Count);
        Assert.False(seen.Contains(Sig(7)));
        for (int i = 0; i < 500; i++)
        {
            seen.TryAdd(Sig(1_000 + i));
        }
        Assert.True(seen.Contains(Sig(1)));
        Assert.False(seen.Contains(Sig(2)));
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(seen.Contains(Sig(1)));
    }

    private static UInt128 Key(int n) => new(0, (uint)n);

    // A 64-byte signature-shaped value whose first 128 bits differ per n.
    private static string Sig(int n)
    {
        var bytes = new byte[64];
        BitConverter.TryWriteBytes(bytes, n);
        return Convert.ToBase64String(bytes);
    }
}
