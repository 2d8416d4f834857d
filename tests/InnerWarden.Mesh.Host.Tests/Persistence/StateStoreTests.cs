using System.Net;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.Host.Pipeline;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Persistence;

public sealed class StateStoreTests
{
    private static readonly string Peer = new('a', 64);
    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Persistence", "Fixtures", "mesh-state-0.2.0.json");

    [Fact]
    public async Task A_committed_change_is_read_back_by_a_read_only_connection_and_after_reopening()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        var pool = new Dictionary<IPAddress, StagedEntry>();
        var book = new Dictionary<string, PeerReputation>(StringComparer.Ordinal);
        var ip = IPAddress.Parse("185.220.1.7");
        await using (var store = Open(dir, time, pool, book))
        {
            pool[ip] = new StagedEntry(ip, SignalAction.BlockedFull, 0.9, "ssh_bruteforce", NodeHarness.Start, NodeHarness.Start.AddHours(24), [Peer], true, false);
            book[Peer] = new PeerReputation(Peer, 0.8, 2, 1, 7, NodeHarness.Start.AddHours(1), NodeHarness.Start, NodeHarness.Start, true);
            store.StagedChanged(ip);
            store.ReputationChanged(Peer);
            await store.CommitAsync();

            // Live: the agent's connection is still open, the reader sees the commit at once.
            var live = StateFiles.Read(dir.Path);
            Assert.Equal("blocked_full", Assert.Single(live.Staged).Action);
            Assert.Equal(book[Peer], Assert.Single(live.Reputations));

            pool.Remove(ip);
            store.StagedChanged(ip);
            await store.CommitAsync();
            Assert.Empty(StateFiles.Read(dir.Path).Staged);
        }
        await using var reopened = new StateStore(dir.Path, time, NullLogger.Instance);
        var state = reopened.Open(new string('1', 64), "nftables");
        Assert.Empty(state.Staged);
        Assert.Equal(book[Peer], Assert.Single(state.Reputations));
        Assert.Equal("recording", state.Enforcer); // what the last run recorded; this run's is written at open
        Assert.Equal("nftables", StateFiles.Read(dir.Path).Enforcer);
    }

    [Fact]
    public async Task Accepted_signatures_come_back_as_the_replay_set_and_discarded_ones_as_remembered_until_credited()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        var signature = Enumerable.Range(1, 64).Select(i => (byte)i).ToArray();
        var other = Enumerable.Range(101, 64).Select(i => (byte)i).ToArray();
        var ip = IPAddress.Parse("104.16.0.9");
        await using (var store = Open(dir, time, [], []))
        {
            store.SignalAccepted(signature, NodeHarness.Start + SeenSignals.Window, known: true, Peer, ip, rememberUntil: null);
            store.SignalAccepted(other, NodeHarness.Start + SeenSignals.Window, known: false, Peer, ip, NodeHarness.Start.AddMinutes(30));
            await store.CommitAsync();
            Assert.Equal(new PersistedRemembered(ip.ToString(), Peer, NodeHarness.Start.AddMinutes(30)), Assert.Single(StateFiles.Read(dir.Path).Remembered));
            store.RememberedTaken(ip);
            await store.CommitAsync();
        }
        await using var reopened = new StateStore(dir.Path, time, NullLogger.Instance);
        var state = reopened.Open(new string('1', 64), "recording");

        Assert.Empty(state.Remembered);
        Assert.Equal(2, reopened.LoadedSeen.Count);
        Assert.Equal([true, false], reopened.LoadedSeen.Select(s => s.Known));
        var seen = new SeenSignals(time);
        seen.Restore(reopened.LoadedSeen, time.GetUtcNow());
        Assert.True(seen.Contains(signature, time.GetUtcNow()));
        Assert.False(seen.Contains(new byte[64], time.GetUtcNow()));
        Assert.Equal(1, seen.KnownCount);
    }

    [Fact]
    public async Task Each_partition_of_the_replay_record_stays_under_its_bound_on_disk_and_a_flood_never_trims_known_rows()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        const int Capacity = 100;
        var until = NodeHarness.Start + SeenSignals.Window;
        await using (var store = Open(dir, time, [], [], Capacity))
        {
            for (int i = 0; i < 20; i++)
            {
                store.SignalAccepted(Signature(i), until, known: true, Peer, IPAddress.Loopback, null);
            }
            await store.CommitAsync();
            for (int batch = 0; batch < 100; batch++)
            {
                for (int i = 0; i < 10; i++)
                {
                    // Ten in one millisecond, as a flood writes them, and remembered for a week: without the trim such rows
                    // outlive the window by days.
                    store.SignalAccepted(Signature(1_000 + (batch * 10) + i), until.AddMilliseconds(batch), known: false, new string('b', 64),
                        IPAddress.Loopback, until.AddDays(7));
                }
                await store.CommitAsync();
                Assert.InRange(StateFiles.SeenRows(dir.Path, time.GetUtcNow()).Unknown, 1, Capacity + (Capacity / StateStore.TrimFraction) - 1);
            }
            Assert.Equal(20, StateFiles.SeenRows(dir.Path, time.GetUtcNow()).Known);
        }
        await using var reopened = new StateStore(dir.Path, time, NullLogger.Instance, Capacity);
        reopened.Open(new string('1', 64), "recording");
        var seen = new SeenSignals(time, Capacity);
        seen.Restore(reopened.LoadedSeen, time.GetUtcNow());

        Assert.Equal(20, seen.KnownCount);
        Assert.All(Enumerable.Range(0, 20), i => Assert.True(seen.Contains(Signature(i), time.GetUtcNow())));
        Assert.True(seen.Contains(Signature(1_999), time.GetUtcNow()));
        Assert.False(seen.Contains(Signature(1_000), time.GetUtcNow()));
    }

    [Fact]
    public async Task Migration_3_keeps_the_rows_of_a_version_2_database_in_the_known_partition()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        var path = Path.Combine(dir.Path, StateDatabase.FileName);
        Directory.CreateDirectory(dir.Path);
        using (var v2 = StateDatabase.OpenWriter(path))
        {
            StateSchema.Migrate(v2, path, 2);
            // What a version 2 agent wrote: one signal in its replay window, one remembered past it.
            using var insert = StateDatabase.Command(v2, """
                INSERT INTO signals (signature, seen_until, node_id, ip, remember_until) VALUES ($a, $until, NULL, NULL, NULL);
                INSERT INTO signals (signature, seen_until, node_id, ip, remember_until) VALUES ($b, $past, $peer, '104.16.0.9', $remember);
                """);
            insert.Parameters.AddWithValue("$a", Signature(1)[..16]);
            insert.Parameters.AddWithValue("$b", Signature(2)[..16]);
            insert.Parameters.AddWithValue("$until", StateDatabase.ToMs(NodeHarness.Start.AddMinutes(30)));
            insert.Parameters.AddWithValue("$past", StateDatabase.ToMs(NodeHarness.Start.AddMinutes(-1)));
            insert.Parameters.AddWithValue("$peer", Peer);
            insert.Parameters.AddWithValue("$remember", StateDatabase.ToMs(NodeHarness.Start.AddHours(2)));
            insert.ExecuteNonQuery();
            Assert.Equal(2, StateSchema.ReadVersion(v2));
        }

        await using var store = new StateStore(dir.Path, time, NullLogger.Instance, seenCapacity: 100);
        var state = store.Open(new string('1', 64), "recording");

        Assert.Equal((Key(Signature(1)), NodeHarness.Start.AddMinutes(30), true), Assert.Single(store.LoadedSeen));
        Assert.Equal(new PersistedRemembered("104.16.0.9", Peer, NodeHarness.Start.AddHours(2)), Assert.Single(state.Remembered));
        using var connection = StateDatabase.OpenReadOnly(path);
        Assert.Equal(StateSchema.CurrentVersion, StateSchema.ReadVersion(connection));
        var seen = new SeenSignals(time, 100);
        seen.Restore(store.LoadedSeen, time.GetUtcNow());
        for (int i = 0; i < 1_000; i++)
        {
            seen.TryAdd(Signature(10_000 + i), time.GetUtcNow());
        }
        Assert.True(seen.Contains(Signature(1), time.GetUtcNow()));
    }

    private static byte[] Signature(int n)
    {
        var bytes = new byte[64];
        BitConverter.TryWriteBytes(bytes, n);
        bytes[63] = 1;
        return bytes;
    }

    private static UInt128 Key(byte[] signature) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(signature);

    [Fact]
    public async Task A_staged_entrys_votes_are_committed_and_come_back()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        var pool = new Dictionary<IPAddress, StagedEntry>();
        var book = new Dictionary<string, PeerReputation>(StringComparer.Ordinal);
        var ip = IPAddress.Parse("185.220.1.7");
        StagedVote[] votes = [new(Peer, "key:" + Peer, 0.45), new(new string('b', 64), "net:185.220.9.0/24", 0.1 + 0.2)];
        await using (var store = Open(dir, time, pool, book))
        {
            pool[ip] = new StagedEntry(ip, SignalAction.BlockedShortTtl, 0.6975, "ssh_bruteforce", NodeHarness.Start, NodeHarness.Start.AddHours(1),
                [Peer, new string('b', 64)], false, false)
            { Votes = votes };
            store.StagedChanged(ip);
            await store.CommitAsync();
        }
        await using var reopened = new StateStore(dir.Path, time, NullLogger.Instance);
        var state = reopened.Open(new string('1', 64), "nftables");

        Assert.Equal(votes, Assert.Single(state.Staged).ToEntry()!.Votes);
    }

    [Fact]
    public async Task Concurrent_changes_share_commits()
    {
        using var dir = new TempDirectory();
        var book = new Dictionary<string, PeerReputation>(StringComparer.Ordinal);
        await using var store = Open(dir, TimeProvider.System, [], book);
        const int Writers = 64;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 20; i++)
            {
                var signature = new byte[64];
                BitConverter.TryWriteBytes(signature, (w * 1000) + i + 1);
                store.SignalAccepted(signature, DateTimeOffset.UtcNow.AddHours(1), known: true, Peer, IPAddress.Loopback, null);
                await store.CommitAsync();
            }
        })));

        Assert.Equal(Writers * 20, store.ChangesCommitted);
        Assert.True(store.Commits < Writers * 20, $"{store.Commits} commits for {Writers * 20} changes");
        using var connection = StateDatabase.OpenReadOnly(store.FilePath);
        using var count = StateDatabase.Command(connection, "SELECT COUNT(*) FROM signals");
        Assert.Equal(Writers * 20L, (long)count.ExecuteScalar()!);
    }

    [Fact]
    public async Task The_database_is_in_wal_mode_at_the_current_schema_version()
    {
        using var dir = new TempDirectory();
        await using (Open(dir, TimeProvider.System, [], []))
        {
            using var connection = StateDatabase.OpenReadOnly(Path.Combine(dir.Path, StateDatabase.FileName));
            Assert.Equal(StateSchema.CurrentVersion, StateSchema.ReadVersion(connection));
            using var mode = StateDatabase.Command(connection, "PRAGMA journal_mode");
            Assert.Equal("wal", (string)mode.ExecuteScalar()!);
        }
    }

    [Fact]
    public async Task A_database_from_a_newer_release_is_refused_untouched()
    {
        using var dir = new TempDirectory();
        await using (Open(dir, TimeProvider.System, [], []))
        {
        }
        using (var connection = StateDatabase.OpenWriter(Path.Combine(dir.Path, StateDatabase.FileName)))
        {
            StateDatabase.Execute(connection, $"PRAGMA user_version = {StateSchema.CurrentVersion + 1}");
        }
        await using var store = new StateStore(dir.Path, TimeProvider.System, NullLogger.Instance);

        var error = Assert.Throws<StateStoreException>(() => store.Open(new string('1', 64), "recording"));
        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_file_written_by_the_0_2_0_release_is_imported_once_and_renamed()
    {
        using var dir = new TempDirectory();
        File.Copy(FixturePath, dir.File(LegacyStateFile.FileName));
        var time = new FakeTimeProvider(NodeHarness.Start);

        MeshState state;
        await using (var store = new StateStore(dir.Path, time, NullLogger.Instance))
        {
            state = store.Open(new string('1', 64), "recording");
        }

        Assert.Equal(["185.220.1.7", "185.220.1.8", "45.33.32.156"], state.Staged.Select(e => e.Ip).Order(StringComparer.Ordinal));
        var full = state.Staged.Single(e => e.Ip == "185.220.1.8");
        Assert.Equal(("blocked_full", true, true, 2), (full.Action, full.Confirmed, full.Local, full.Contributors.Count));
        Assert.Equal(NodeHarness.Start.AddHours(24), full.ExpiresAt);
        var vouched = state.Reputations.Single(r => r.Vouched);
        Assert.Equal((0.75, 1L, 3L), (vouched.Trust, vouched.Confirmed, vouched.SignalsReceived));
        Assert.Equal(2, state.Reputations.Count);
        var remembered = Assert.Single(state.Remembered);
        Assert.Equal(("104.16.0.9", NodeHarness.Start.AddHours(1)), (remembered.Ip, remembered.ExpiresAt));
        Assert.Equal("config", Assert.Single(state.Peers).Source);
        Assert.False(File.Exists(dir.File(LegacyStateFile.FileName)));
        Assert.True(File.Exists(dir.File(LegacyStateFile.FileName + LegacyStateFile.ImportedSuffix)));

        // Put back beside an existing database, it is not imported again.
        File.Copy(FixturePath, dir.File(LegacyStateFile.FileName));
        await using (var store = new StateStore(dir.Path, time, NullLogger.Instance))
        {
            Assert.Equal(3, store.Open(new string('1', 64), "recording").Staged.Count);
        }
        Assert.True(File.Exists(dir.File(LegacyStateFile.FileName)));
    }

    [Fact]
    public async Task An_unreadable_legacy_file_is_moved_aside_and_the_node_starts_empty()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(LegacyStateFile.FileName), "{ half a write");
        await using var store = new StateStore(dir.Path, new FakeTimeProvider(NodeHarness.Start), NullLogger.Instance);

        var state = store.Open(new string('1', 64), "recording");

        Assert.Empty(state.Staged);
        Assert.Single(Directory.GetFiles(dir.Path, LegacyStateFile.FileName + ".corrupt-*"));
        Assert.False(File.Exists(dir.File(LegacyStateFile.FileName)));
    }

    private static StateStore Open(TempDirectory dir, TimeProvider time, Dictionary<IPAddress, StagedEntry> pool, Dictionary<string, PeerReputation> book,
        int seenCapacity = SeenSignals.DefaultCapacity)
    {
        var store = new StateStore(dir.Path, time, NullLogger.Instance, seenCapacity);
        store.Open(new string('1', 64), "recording");
        store.Attach(ip => pool.GetValueOrDefault(ip), id => book.GetValueOrDefault(id), () => []);
        store.Start();
        return store;
    }
}
