using System.Net;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using InnerWarden.Mesh.IntegrationTests.Transport;

namespace InnerWarden.Mesh.IntegrationTests.Persistence;

/// <summary>
/// A replay after a clean restart (SIGTERM, as <c>systemctl restart</c> does): the real agent process, real HTTP on
/// loopback. The kill -9 case is in <see cref="KillNineTests"/>; this one covers the shutdown path, which must not
/// lose or drop the record of seen signals either.
/// </summary>
public sealed class CleanRestartReplayTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly NodeIdentity _peer = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x55, NodeIdentity.SeedLength).ToArray());
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _http.Dispose();
        _peer.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_signal_replayed_after_a_clean_restart_is_a_duplicate_and_changes_no_counter()
    {
        int port = AgentProcess.FreePort();
        var data = Path.Combine(_dir.Path, "data");
        var config = AgentConfig.Write(_dir.Path, port, _peer.NodeId, "log-only", netns: null);
        var signal = TestMesh.Sign(_peer, "185.233.0.1", confidence: 0.95f);

        using (var first = AgentProcess.Start("agent", "--config", config, "--data-dir", data))
        {
            await first.WaitUntilServingAsync(_http, port);
            var (status, body) = await AgentProcess.PostAsync(_http, port, signal);
            Assert.True(status == HttpStatusCode.OK && body.Contains("\"blocked_full\"", StringComparison.Ordinal), $"{status} {body}");
            Assert.True(await first.TerminateAsync(TimeSpan.FromSeconds(60)) == 0, first.Output);
        }
        var before = StoredReputation.Read(data, _peer.NodeId);
        Assert.Equal(1, before.SignalsReceived);

        using var second = AgentProcess.Start("agent", "--config", config, "--data-dir", data);
        await second.WaitUntilServingAsync(_http, port);
        var (replayStatus, replayBody) = await AgentProcess.PostAsync(_http, port, signal);

        Assert.Equal(HttpStatusCode.OK, replayStatus);
        Assert.Contains("\"duplicate\"", replayBody, StringComparison.Ordinal);
        Assert.Equal(before, StoredReputation.Read(data, _peer.NodeId));
    }

    /// <summary>
    /// The flood-then-replay attack, scaled by <c>max_seen_signals</c> so it runs in seconds: the vouched peer's signals
    /// are accepted, fresh identities flood ten times past the bound, then every one of the peer's signals is replayed
    /// three times (counted, that would be over <c>max_signals_per_hour</c> and quarantine it): all duplicates, and
    /// again after a clean restart and after a kill -9, each preceded by another flood.
    /// </summary>
    [Fact]
    public async Task Replays_after_a_flood_of_fresh_identities_past_the_bound_are_duplicates_across_restarts_and_kill_9()
    {
        const int Capacity = 100;
        int port = AgentProcess.FreePort();
        var data = Path.Combine(_dir.Path, "data");
        var config = AgentConfig.Write(_dir.Path, port, _peer.NodeId, "log-only", netns: null, maxSignalsPerHour: 10, maxSeenSignals: Capacity);
        var signals = Enumerable.Range(1, 5).Select(i => TestMesh.Sign(_peer, $"185.233.1.{i}", confidence: 0.95f)).ToList();
        (double Trust, long SignalsReceived, long Confirmed, DateTimeOffset? QuarantinedUntil) before;

        using (var first = AgentProcess.Start("agent", "--config", config, "--data-dir", data))
        {
            await first.WaitUntilServingAsync(_http, port);
            foreach (var signal in signals)
            {
                var (status, body) = await AgentProcess.PostAsync(_http, port, signal);
                Assert.True(status == HttpStatusCode.OK && body.Contains("\"blocked_full\"", StringComparison.Ordinal), $"{status} {body}");
            }
            before = StoredReputation.Read(data, _peer.NodeId);
            Assert.Equal(5, before.SignalsReceived);
            Assert.Null(before.QuarantinedUntil);

            await FloodAsync(port, Capacity * 10, seed: 0);
            await AssertReplaysAreDuplicatesAsync(port, signals, first);
            Assert.Equal(before, StoredReputation.Read(data, _peer.NodeId));
            Assert.True(await first.TerminateAsync(TimeSpan.FromSeconds(60)) == 0, first.Output);
        }
        // The flood's rows on disk were trimmed to the bound, the peer's all kept.
        using (var db = StateDatabase.OpenReadOnly(Path.Combine(data, StateDatabase.FileName)))
        {
            var seen = StateDatabase.ReadSeen(db, DateTimeOffset.UtcNow);
            Assert.Equal(signals.Count, seen.Count(s => s.Known));
            Assert.InRange(seen.Count(s => !s.Known), 1, Capacity + (Capacity / StateStore.TrimFraction) - 1);
        }

        using (var second = AgentProcess.Start("agent", "--config", config, "--data-dir", data))
        {
            await second.WaitUntilServingAsync(_http, port);
            await FloodAsync(port, Capacity * 10, seed: 1);
            await AssertReplaysAreDuplicatesAsync(port, signals, second);
            Assert.Equal(before, StoredReputation.Read(data, _peer.NodeId));
            second.Kill9();
        }

        using var third = AgentProcess.Start("agent", "--config", config, "--data-dir", data);
        await third.WaitUntilServingAsync(_http, port);
        await FloodAsync(port, Capacity * 10, seed: 2);
        await AssertReplaysAreDuplicatesAsync(port, signals, third);
        Assert.Equal(before, StoredReputation.Read(data, _peer.NodeId));
    }

    // One signal from each of `count` fresh identities, sixteen in flight at a time.
    private async Task FloodAsync(int port, int count, int seed)
    {
        using var gate = new SemaphoreSlim(16);
        var replies = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var key = new byte[NodeIdentity.SeedLength];
                BitConverter.TryWriteBytes(key, (seed * 1_000_000) + i);
                key[^1] = 0xf1;
                using var sybil = NodeIdentity.FromSeed(key);
                return await AgentProcess.PostAsync(_http, port, TestMesh.Sign(sybil, $"185.234.{i / 250}.{(i % 250) + 1}", confidence: 1.0f));
            }
            finally
            {
                gate.Release();
            }
        }));
        Assert.All(replies, r => Assert.True(r.Status == HttpStatusCode.OK && r.Body.Contains("\"discarded\"", StringComparison.Ordinal), $"{r.Status} {r.Body}"));
    }

    private async Task AssertReplaysAreDuplicatesAsync(int port, IReadOnlyList<Contracts.Signals.ThreatSignal> signals, AgentProcess agent)
    {
        for (int round = 0; round < 3; round++)
        {
            foreach (var signal in signals)
            {
                var (status, body) = await AgentProcess.PostAsync(_http, port, signal);
                Assert.True(status == HttpStatusCode.OK && body.Contains("\"duplicate\"", StringComparison.Ordinal), $"round {round}: {status} {body}\n{agent.Output}");
            }
        }
    }
}
