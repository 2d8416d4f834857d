using System.Globalization;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Pipeline;

/// <summary>
/// The flood-then-replay attack on the real node (pipeline, state store on a real SQLite file), scaled down by the replay
/// record's bound: fresh identities (free to make) flood past the bound, then the honest peer's signals are replayed often
/// enough that, were they counted, they would get it quarantined.
/// </summary>
public sealed class ReplayFloodTests
{
    private const int Capacity = 100;
    private const int Budget = 10;

    [Fact]
    public async Task Replays_of_a_vouched_peer_after_a_flood_past_the_bound_are_duplicates_also_after_a_restart()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var honest = new TestPeer(2, time);
        var options = new NodeHarness.Options
        {
            Time = time,
            DataDirectory = dir.Path,
            Peers = [NodeHarness.ConfiguredPeer(honest)],
            SeenSignalCapacity = Capacity,
            MaxSignalsPerHour = Budget,
        };
        var signals = Enumerable.Range(1, 5).Select(i => honest.Signal(Ip(0, i))).ToList();
        Contracts.Peers.PeerReputation before;
        await using (var node = await NodeHarness.StartAsync(options))
        {
            foreach (var signal in signals)
            {
                Assert.Equal(SignalAction.BlockedShortTtl, (await node.SubmitAsync(signal)).Action);
            }
            before = node.Node.Reputations.Find(honest.NodeId)!;

            await FloodAsync(node, time, first: 0);
            await AssertReplaysChangeNothingAsync(node, honest, signals, before);
            var (known, unknown) = StateFiles.SeenRows(dir.Path, time.GetUtcNow());
            Assert.Equal(signals.Count, known);
            Assert.InRange(unknown, 1, Capacity + (Capacity / StateStore.TrimFraction) - 1);
        }

        // A clean restart, then another flood: the record came back from mesh.db, each entry in its partition.
        time.Advance(TimeSpan.FromMinutes(20));
        await using var restarted = await NodeHarness.StartAsync(options);
        await FloodAsync(restarted, time, first: 10_000);
        await AssertReplaysChangeNothingAsync(restarted, honest, signals, before);
    }

    [Fact]
    public async Task A_signer_this_node_confirmed_keeps_its_entries_through_a_flood()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var earned = new TestPeer(3, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, SeenSignalCapacity = Capacity, MaxSignalsPerHour = Budget });
        // Not vouched: 0.1 x 0.9 is discarded and remembered, and the local detection of that address credits it.
        Assert.Equal(SignalAction.Discarded, (await node.SubmitAsync(earned.Signal(Ip(0, 1)))).Action);
        await node.DetectAsync(Ip(0, 1));
        Assert.Equal(1, node.Node.Reputations.Find(earned.NodeId)!.Confirmed);
        var signal = earned.Signal(Ip(0, 2));
        // 0.15 x 0.9: still discarded, but weighed and counted, and from now on a replay of it is refused.
        Assert.Equal(SignalAction.Discarded, (await node.SubmitAsync(signal)).Action);
        var before = node.Node.Reputations.Find(earned.NodeId)!;

        await FloodAsync(node, time, first: 0);

        await AssertReplaysChangeNothingAsync(node, earned, [signal], before);
    }

    // Ten times the bound of fresh identities, one signal each, sent concurrently so commits are shared as under a real flood.
    private static async Task FloodAsync(NodeHarness node, FakeTimeProvider time, int first)
    {
        const int Flood = Capacity * 10;
        for (int batch = 0; batch < Flood; batch += 50)
        {
            var verdicts = await Task.WhenAll(Enumerable.Range(first + batch, 50).Select(i => Task.Run(async () =>
            {
                using var sybil = new TestPeer(1_000_000 + i, time);
                return await node.SubmitAsync(sybil.Signal(Ip(1 + (i / 250 % 200), (i % 250) + 1), 1.0f));
            })));
            Assert.All(verdicts, v => Assert.Equal(SignalAction.Discarded, v.Action));
        }
    }

    // Each signal replayed three times: counted, that would be over the hourly budget and quarantine the peer.
    private static async Task AssertReplaysChangeNothingAsync(NodeHarness node, TestPeer peer, IReadOnlyList<ThreatSignal> signals,
        Contracts.Peers.PeerReputation before)
    {
        for (int round = 0; round < 3; round++)
        {
            foreach (var signal in signals)
            {
                Assert.Equal(SignalAction.Duplicate, (await node.SubmitAsync(signal)).Action);
            }
        }
        var after = node.Node.Reputations.Find(peer.NodeId)!;
        Assert.Equal((before.SignalsReceived, before.Trust, before.Confirmed, before.Contradicted), (after.SignalsReceived, after.Trust, after.Confirmed, after.Contradicted));
        Assert.False(after.IsQuarantined(node.Time.GetUtcNow()), $"quarantined until {after.QuarantinedUntil}");
    }

    private static string Ip(int b, int c) => string.Create(CultureInfo.InvariantCulture, $"185.{100 + b}.{c}.9");
}
