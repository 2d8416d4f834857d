using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.Host.Staging;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Staging;

/// <summary>
/// Issue 15 item 2: an attacker that waits out a peer's block and comes back proves the report right late. A node with
/// its real SQLite store and a fake clock: a vouched peer's report is blocked for 1 h, expires unconfirmed (the peer is
/// debited), and a local detection inside the window credits the peer back.
/// </summary>
public sealed class LateConfirmationTests
{
    private const string Attacker = "185.220.1.7";
    private static readonly IPAddress AttackerIp = IPAddress.Parse(Attacker);
    private const double Debited = NodeHarness.InitialTrust - TestTrustPolicy.Debit;

    [Fact]
    public async Task A_local_detection_after_an_unconfirmed_block_expired_credits_the_debited_peer_back_once()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await ExpireUnconfirmedAsync(node, peer, time);
        Assert.Equal(Debited, node.TrustOf(peer.NodeId), 10);

        time.Advance(TimeSpan.FromHours(5));
        await DetectAsync(node);

        Assert.Equal(Debited + TestTrustPolicy.Credit, node.TrustOf(peer.NodeId), 10);
        var rep = node.Node.Reputations.Find(peer.NodeId)!;
        Assert.Equal((1, 1), (rep.Confirmed, rep.Contradicted));
        var entry = Assert.Single(node.Node.Snapshot().Staged);
        Assert.Equal((SignalAction.BlockedFull, true), (entry.Action, entry.Confirmed));
        Assert.Contains(node.Events, e => e.Peer == peer.NodeId && e.Detail == "confirmed late");

        // The attacker keeps at it: the late credit was given once.
        await DetectAsync(node);
        Assert.Equal(Debited + TestTrustPolicy.Credit, node.TrustOf(peer.NodeId), 10);
    }

    [Fact]
    public async Task Past_the_window_a_local_detection_credits_nobody()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await ExpireUnconfirmedAsync(node, peer, time);

        time.Advance(LateConfirmations.DefaultWindow + TimeSpan.FromMinutes(1));
        await DetectAsync(node);

        Assert.Equal(Debited, node.TrustOf(peer.NodeId), 10);
        Assert.Equal(0, node.Node.Reputations.Find(peer.NodeId)!.Confirmed);
    }

    [Fact]
    public async Task A_zero_window_turns_late_confirmation_off()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)], LateConfirmationWindow = TimeSpan.Zero });
        await ExpireUnconfirmedAsync(node, peer, time);

        await DetectAsync(node);

        Assert.Equal(Debited, node.TrustOf(peer.NodeId), 10);
    }

    [Fact]
    public async Task The_window_survives_a_restart_and_a_credit_given_is_not_given_again_after_one()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        using var dir = new TempDirectory();
        await using (var node = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)] }))
        {
            await ExpireUnconfirmedAsync(node, peer, time);
        }
        Assert.Single(Rows(dir.Path));

        await using (var restarted = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)] }))
        {
            await DetectAsync(restarted);
            Assert.Equal(Debited + TestTrustPolicy.Credit, restarted.TrustOf(peer.NodeId), 10);
        }
        Assert.Empty(Rows(dir.Path));

        await using var again = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await DetectAsync(again);
        Assert.Equal(Debited + TestTrustPolicy.Credit, again.TrustOf(peer.NodeId), 10);
    }

    [Fact]
    public async Task A_block_that_expired_while_the_node_was_down_is_remembered_too()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        using var dir = new TempDirectory();
        await using (var node = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)] }))
        {
            Assert.Equal(SignalAction.BlockedShortTtl, (await node.SubmitAsync(peer.Signal(Attacker, 0.9f))).Action);
        }
        time.Advance(TimeSpan.FromHours(3));

        await using var restarted = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await restarted.Node.FlushAsync();
        Assert.Equal(Debited, restarted.TrustOf(peer.NodeId), 10);
        await DetectAsync(restarted);

        Assert.Equal(Debited + TestTrustPolicy.Credit, restarted.TrustOf(peer.NodeId), 10);
    }

    [Fact]
    public void When_full_the_entry_that_would_end_soonest_goes_and_a_second_expiry_adds_its_contributors()
    {
        var late = new LateConfirmations(TimeSpan.FromHours(24), capacity: 2);
        var at = NodeHarness.Start;
        var a = IPAddress.Parse("185.220.1.1");
        var b = IPAddress.Parse("185.220.1.2");
        var c = IPAddress.Parse("185.220.1.3");

        Assert.True(late.Remember(a, ["p1"], at));
        Assert.True(late.Remember(b, ["p2"], at.AddMinutes(1)));
        Assert.True(late.Remember(a, ["p3"], at.AddMinutes(2))); // a now ends last
        Assert.True(late.Remember(c, ["p4"], at.AddMinutes(3)));

        Assert.Equal(2, late.Count);
        Assert.Null(late.Find(b));
        Assert.Equal(["p1", "p3"], late.Take(a, at.AddHours(1)));
        Assert.Equal(["p4"], late.Take(c, at.AddHours(1)));
        Assert.False(late.Remember(a, [], at), "nobody was debited: nothing to remember");
    }

    // This node's own detection of the attacker, committed.
    private static async Task DetectAsync(NodeHarness node)
    {
        await node.DetectAsync(Attacker);
        await node.Node.FlushAsync();
    }

    private static async Task ExpireUnconfirmedAsync(NodeHarness node, TestPeer peer, FakeTimeProvider time)
    {
        // 0.7 x 0.9 = 0.63: a short block of 1 h.
        Assert.Equal(SignalAction.BlockedShortTtl, (await node.SubmitAsync(peer.Signal(Attacker, 0.9f))).Action);
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        Assert.Single(node.Node.Coordinator.ExpireDue());
        await node.Node.FlushAsync();
        Assert.DoesNotContain(AttackerIp, node.Enforcer.Blocks.Keys);
    }

    private static List<(string Ip, string Contributors)> Rows(string dataDirectory)
    {
        using var db = StateDatabase.OpenReadOnly(Path.Combine(dataDirectory, StateDatabase.FileName));
        using var command = StateDatabase.Command(db, "SELECT ip, contributors FROM late_confirmations");
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }
}
