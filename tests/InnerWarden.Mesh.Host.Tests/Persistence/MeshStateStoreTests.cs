using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Persistence;

public sealed class MeshStateStoreTests
{
    private static readonly MeshState Sample = new(MeshState.CurrentVersion, new string('1', 64), "nftables", NodeHarness.Start,
        [new PersistedPeer("http://151.101.1.1:8790/", new string('a', 64), "peer-a", "config")],
        [new PeerReputation(new string('a', 64), 0.75, 3, 1, 9, NodeHarness.Start.AddHours(1), NodeHarness.Start, NodeHarness.Start, true)],
        [new PersistedEntry("185.220.1.7", "blocked_full", 0.81, "ssh_bruteforce", NodeHarness.Start, NodeHarness.Start.AddHours(24), [new string('a', 64)], true, false)],
        [new PersistedRemembered("2a00:1450::1", new string('c', 64), NodeHarness.Start.AddHours(1))]);

    [Fact]
    public void State_round_trips_through_the_file()
    {
        using var dir = new TempDirectory();
        var store = Store(dir, () => Sample);

        store.Save(Sample);
        var loaded = store.Load();

        Assert.Equal(Sample.Version, loaded.Version);
        Assert.Equal(Sample.Reputations, loaded.Reputations);
        Assert.Equal(Sample.Peers, loaded.Peers);
        Assert.Equal(Sample.Remembered, loaded.Remembered);
        var entry = Assert.Single(loaded.Staged);
        Assert.Equal(Sample.Staged[0].Contributors, entry.Contributors);
        Assert.Equal(Sample.Staged[0] with { Contributors = entry.Contributors }, entry);
        var text = File.ReadAllText(dir.File(MeshStateStore.FileName));
        Assert.Contains("\"version\": 1", text, StringComparison.Ordinal);
        Assert.Contains("\"expires_at\"", text, StringComparison.Ordinal);
        Assert.Contains("\"quarantined_until\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("{\"version\": 99}")]
    [InlineData("null")]
    public void Corrupt_state_is_moved_aside_loudly_and_the_node_starts_empty(string content)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(MeshStateStore.FileName), content);
        var store = Store(dir, () => Sample);

        var loaded = store.Load();

        Assert.Empty(loaded.Staged);
        Assert.False(File.Exists(dir.File(MeshStateStore.FileName)));
        var aside = Assert.Single(Directory.GetFiles(dir.Path, "mesh-state.json.corrupt-*"));
        Assert.Equal(content, File.ReadAllText(aside));
    }

    [Fact]
    public void Atomic_write_leaves_no_temp_file_and_a_stale_temp_file_is_ignored()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(MeshStateStore.FileName + ".tmp"), "{ half a write from a crash");
        var store = Store(dir, () => Sample);
        store.Save(Sample);

        store.Save(Sample with { Staged = [] });

        Assert.Equal([dir.File(MeshStateStore.FileName)], Directory.GetFiles(dir.Path));
        Assert.Empty(store.Load().Staged);
    }

    [Fact]
    public async Task Marked_changes_are_written_by_the_debounced_saver_and_flush()
    {
        using var dir = new TempDirectory();
        int snapshots = 0;
        var store = Store(dir, () =>
        {
            Interlocked.Increment(ref snapshots);
            return Sample;
        });

        for (int i = 0; i < 100; i++)
        {
            store.MarkDirty();
        }
        await store.FlushAsync();

        Assert.True(File.Exists(dir.File(MeshStateStore.FileName)));
        Assert.InRange(snapshots, 1, 3);
    }

    [Fact]
    public async Task Flush_does_not_sit_out_the_debounce_of_a_scheduled_save()
    {
        using var dir = new TempDirectory();
        var store = new MeshStateStore(dir.Path, TimeProvider.System, NullLogger.Instance, () => Sample, debounce: TimeSpan.FromHours(1));

        store.MarkDirty();
        // The hour-long debounce would hold this for an hour; the guard only turns a hang into a failure.
        await store.FlushAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(File.Exists(dir.File(MeshStateStore.FileName)));
        Assert.Equal(1, store.Saves);
    }

    [Theory]
    [InlineData(200, 0, 200)]      // cheap saves: the debounce
    [InlineData(200, 3, 200)]      // 50 x 3 ms = 150 ms, still under the debounce
    [InlineData(200, 40, 2_000)]   // a 40 ms save waits 50 x its cost
    [InlineData(200, 400, 5_000)]  // never past the cap, however slow
    [InlineData(8_000, 400, 8_000)] // a longer configured debounce is kept as is
    public void Save_interval_stretches_with_the_cost_of_the_last_save_up_to_a_bound(int debounceMs, int costMs, int expectedMs)
    {
        var delay = MeshStateStore.DelayAfter(TimeSpan.FromMilliseconds(debounceMs), TimeSpan.FromMilliseconds(costMs));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), delay);
    }

    [Fact]
    public void Missing_file_reads_as_empty_state_for_the_cli()
    {
        using var dir = new TempDirectory();

        var read = MeshStateStore.TryRead(dir.File(MeshStateStore.FileName));

        Assert.Null(read.Error);
        Assert.Empty(read.State!.Staged);
    }

    private static MeshStateStore Store(TempDirectory dir, Func<MeshState> snapshot) =>
        new(dir.Path, new FakeTimeProvider(NodeHarness.Start), NullLogger.Instance, snapshot, TimeSpan.FromMilliseconds(10));
}
