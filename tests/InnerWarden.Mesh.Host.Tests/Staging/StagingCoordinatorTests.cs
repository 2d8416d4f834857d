using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Signals;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Staging;

public sealed class StagingCoordinatorTests
{
    private const string Attacker = "185.220.1.7";
    private static readonly IPAddress AttackerIp = IPAddress.Parse(Attacker);

    [Fact]
    public async Task Local_confirmation_raises_trust_and_upgrades_to_the_full_24h_block()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await node.SubmitAsync(peer.Signal(Attacker, 0.9f)); // 0.63: short block
        time.Advance(TimeSpan.FromMinutes(10));

        await node.DetectAsync(Attacker);
        await node.Node.FlushAsync();

        var entry = Assert.Single(node.Node.Snapshot().Staged);
        Assert.Equal(SignalAction.BlockedFull, entry.Action);
        Assert.True(entry.Confirmed);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(24), entry.ExpiresAt);
        Assert.Equal(TimeSpan.FromHours(24), node.Enforcer.Blocks[AttackerIp]);
        Assert.Equal(0.75, node.TrustOf(peer.NodeId), 10);
        Assert.Contains(node.Events, e => e.Kind == NodeEventKind.TrustChanged && e.Peer == peer.NodeId && e.TrustAfter > e.TrustBefore);
    }

    [Fact]
    public async Task Expiry_reverts_the_block_and_lowers_trust_of_every_contributor()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var a = new TestPeer(2, time);
        using var b = new TestPeer(3, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(a), NodeHarness.ConfiguredPeer(b) with { Endpoint = new Uri("http://151.101.65.1:8790") }] });
        await node.SubmitAsync(a.Signal(Attacker, 0.9f));
        await node.SubmitAsync(b.Signal(Attacker, 0.95f));
        await node.Node.FlushAsync();
        Assert.True(node.Enforcer.Blocks.ContainsKey(AttackerIp));

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await node.Node.TickAsync(CancellationToken.None);
        await node.Node.FlushAsync();

        Assert.Empty(node.Node.Snapshot().Staged);
        Assert.False(node.Enforcer.Blocks.ContainsKey(AttackerIp));
        Assert.Contains(node.Enforcer.RevertCalls, c => c.Contains(AttackerIp));
        Assert.Equal(0.55, node.TrustOf(a.NodeId), 10);
        Assert.Equal(0.55, node.TrustOf(b.NodeId), 10);
        Assert.Equal(1, node.Node.Reputations.Find(a.NodeId)!.Contradicted);
    }

    [Fact]
    public async Task Discarded_signal_then_local_detection_credits_the_new_peer()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var newcomer = new TestPeer(4, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time });
        Assert.Equal(SignalAction.Discarded, (await node.SubmitAsync(newcomer.Signal(Attacker, 1.0f))).Action);

        await node.DetectAsync(Attacker);

        Assert.Equal(0.15, node.TrustOf(newcomer.NodeId), 10);
        Assert.Equal(1, node.Node.Reputations.Find(newcomer.NodeId)!.Confirmed);
        Assert.Equal(0, node.Node.Snapshot().RememberedCount);
    }

    [Theory]
    [InlineData("own")]
    [InlineData("peer")]
    [InlineData("allowlist")]
    [InlineData("private")]
    public async Task Local_detection_of_a_never_block_address_never_reaches_the_firewall(string kind)
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        var transport = new LoopbackTransport();
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)], Transport = transport, AutoBroadcast = true });
        var ip = kind switch
        {
            "own" => NodeHarness.OwnAddress.ToString(),
            "peer" => NodeHarness.PeerAddress,
            "allowlist" => NodeHarness.AllowlistedAddress,
            _ => "192.168.1.20",
        };

        await node.DetectAsync(ip, 1.0f);
        await node.Node.FlushAsync();

        Assert.Empty(node.Enforcer.EverApplied);
        Assert.Empty(node.Node.Snapshot().Staged);
        Assert.Empty(transport.Sent);
    }

    [Fact]
    public async Task Coordinator_refuses_a_block_of_a_peer_address_even_when_the_pool_stages_it()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });

        // Straight to the coordinator, past the validator: the last gate must still hold.
        var own = node.Node.Coordinator.Stage(new StageRequest(NodeHarness.OwnAddress, peer.NodeId, 0.95, "x", TimeSpan.FromHours(1), false, time.GetUtcNow()));
        var peerAddress = node.Node.Coordinator.Stage(new StageRequest(IPAddress.Parse(NodeHarness.PeerAddress), peer.NodeId, 0.95, "x", TimeSpan.FromHours(1), false, time.GetUtcNow()));
        node.Node.Coordinator.Confirm(IPAddress.Parse(NodeHarness.PeerAddress), time.GetUtcNow());
        await node.Node.FlushAsync();

        Assert.Equal(SignalAction.BlockedFull, own.Action);
        Assert.Equal(SignalAction.BlockedFull, peerAddress.Action);
        Assert.Empty(node.Enforcer.EverApplied);
        Assert.Contains(node.Events, e => e.Kind == NodeEventKind.Refused && NodeHarness.OwnAddress.Equals(e.Ip));
        var audit = File.ReadAllText(AuditLog.PathFor(node.DataDirectory, time.GetUtcNow()));
        Assert.Contains("\"action\":\"refused\"", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_broadcast_signs_the_local_detection_and_audits_it_as_sent()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var transport = new LoopbackTransport();
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Transport = transport, AutoBroadcast = true });

        await node.DetectAsync(Attacker, 0.9f);
        await node.Node.FlushAsync();

        var signal = Assert.Single(transport.Sent);
        Assert.True(SignalVerifier.Verify(signal));
        Assert.Equal(node.Identity.NodeId, signal.NodeId);
        Assert.Equal(Attacker, signal.Ip);
        Assert.Equal(86_400UL, signal.TtlSecs); // 1.0 x 0.9 stages a full block
        Assert.Equal(1, node.Node.Snapshot().Sent);
        var line = Assert.Single(File.ReadAllLines(AuditLog.PathFor(node.DataDirectory, time.GetUtcNow())));
        Assert.Contains("\"direction\":\"sent\"", line, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(24), node.Enforcer.Blocks[AttackerIp]);
    }

    [Fact]
    public async Task Drops_counted_on_a_blocked_address_confirm_it()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        var enforcer = new RecordingEnforcer { HasHitCounters = true };
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)], Enforcer = enforcer });
        await node.SubmitAsync(peer.Signal(Attacker, 0.9f));
        await node.Node.FlushAsync();
        await node.Node.TickAsync(CancellationToken.None);
        Assert.Equal(0.7, node.TrustOf(peer.NodeId), 10);

        enforcer.SetHits(AttackerIp, 12);
        await node.Node.TickAsync(CancellationToken.None);
        await node.Node.FlushAsync();

        Assert.Equal(0.75, node.TrustOf(peer.NodeId), 10);
        Assert.True(Assert.Single(node.Node.Snapshot().Staged).Confirmed);
        Assert.Equal(TimeSpan.FromHours(24), enforcer.Blocks[AttackerIp]);
    }

    [Fact]
    public async Task A_counter_reset_by_re_applying_a_confirmed_block_does_not_confirm_it_again()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        var enforcer = new RecordingEnforcer { HasHitCounters = true };
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)], Enforcer = enforcer });
        await node.SubmitAsync(peer.Signal(Attacker, 0.9f));
        await node.Node.FlushAsync();
        await node.Node.TickAsync(CancellationToken.None);
        enforcer.SetHits(AttackerIp, 1);
        await node.Node.TickAsync(CancellationToken.None);
        await node.Node.FlushAsync();
        var expiresAfterFirst = Assert.Single(node.Node.Snapshot().Staged).ExpiresAt;

        // The kernel's counter reads 0 after the re-apply, then 1 again in a later listing.
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(2));
            enforcer.SetHits(AttackerIp, 0);
            await node.Node.TickAsync(CancellationToken.None);
            enforcer.SetHits(AttackerIp, 1);
            await node.Node.TickAsync(CancellationToken.None);
        }
        await node.Node.FlushAsync();

        Assert.Equal(0.75, node.TrustOf(peer.NodeId), 10);
        Assert.Equal(1, node.Node.Reputations.Find(peer.NodeId)!.Confirmed);
        Assert.Equal(expiresAfterFirst, Assert.Single(node.Node.Snapshot().Staged).ExpiresAt);
    }

    [Fact]
    public async Task A_block_evicted_from_a_full_pool_is_reverted()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)], MaxStaged = 1 });
        await node.SubmitAsync(peer.Signal(Attacker, 0.9f));
        await node.Node.FlushAsync();

        await node.SubmitAsync(peer.Signal("185.220.1.8", 1.0f));
        await node.Node.FlushAsync();

        Assert.False(node.Enforcer.Blocks.ContainsKey(AttackerIp));
        Assert.True(node.Enforcer.Blocks.ContainsKey(IPAddress.Parse("185.220.1.8")));
    }

    [Fact]
    public async Task Watchlisted_entry_is_never_blocked()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });

        var verdict = await node.SubmitAsync(peer.Signal(Attacker, 0.5f)); // 0.35
        await node.Node.FlushAsync();

        Assert.Equal(SignalAction.Watchlisted, verdict.Action);
        Assert.True(verdict.Accepted);
        Assert.Empty(node.Enforcer.EverApplied);
    }

    [Fact]
    public async Task A_watchlisted_address_is_blocked_when_a_stronger_report_arrives()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var weak = new TestPeer(2, time);
        using var strong = new TestPeer(3, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(weak), NodeHarness.ConfiguredPeer(strong) with { Endpoint = new Uri("http://151.101.65.1:8790") }] });
        await node.SubmitAsync(weak.Signal(Attacker, 0.5f)); // 0.35 watchlisted
        await node.Node.FlushAsync();
        Assert.Empty(node.Enforcer.EverApplied);

        var verdict = await node.SubmitAsync(strong.Signal(Attacker, 1.0f)); // 0.7 short block
        await node.Node.FlushAsync();

        Assert.Equal(SignalAction.BlockedShortTtl, verdict.Action);
        Assert.True(node.Enforcer.Blocks.ContainsKey(AttackerIp));
        Assert.Equal([weak.NodeId, strong.NodeId], Assert.Single(node.Node.Snapshot().Staged).Contributors);
    }

    [Fact]
    public async Task The_audit_line_of_an_accepted_signal_carries_score_verdict_and_remote()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });

        await node.SubmitAsync(peer.Signal(Attacker, 0.9f));
        await node.Node.FlushAsync();

        var line = Assert.Single(File.ReadAllLines(AuditLog.PathFor(node.DataDirectory, time.GetUtcNow())));
        using var doc = System.Text.Json.JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal("received", root.GetProperty("direction").GetString());
        Assert.Equal("blocked_short_ttl", root.GetProperty("action").GetString());
        Assert.Equal("None", root.GetProperty("reason").GetString());
        Assert.Equal(0.63, root.GetProperty("score").GetDouble(), 5);
        Assert.Equal("192.0.2.50:40000", root.GetProperty("remote").GetString());
        Assert.Equal(peer.NodeId, root.GetProperty("node_id").GetString());
    }

    [Fact]
    public async Task An_address_a_peer_discovered_later_is_never_blocked()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        node.Node.SetPeerAddresses([AttackerIp]);

        var verdict = await node.SubmitAsync(peer.Signal(Attacker));
        await node.DetectAsync(Attacker);
        await node.DetectAsync(NodeHarness.PeerAddress);
        await node.Node.FlushAsync();

        Assert.Equal(RejectReason.Allowlisted, verdict.Reason);
        Assert.Empty(node.Enforcer.EverApplied);
        Assert.Contains(node.Events, e => e.Kind == NodeEventKind.SignalReceived && e.Reason == RejectReason.Allowlisted);
    }
}
