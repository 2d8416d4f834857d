using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Agent;

public sealed class MeshNodeTests
{
    private const string Attacker = "185.220.1.7";
    private static readonly IPAddress AttackerIp = IPAddress.Parse(Attacker);

    [Fact]
    public async Task Local_detections_are_blocked_at_once_while_the_transport_is_stuck_on_the_network()
    {
        var transport = new StalledTransport();
        await using var node = await NodeHarness.StartAsync(new() { Transport = transport, AutoBroadcast = true });
        var ips = Enumerable.Range(1, 100).Select(i => $"185.220.{i / 50}.{i % 50 + 1}").ToArray();

        foreach (var ip in ips)
        {
            // Returns without awaiting anything: no network, no firewall round trip.
            Assert.True(node.DetectAsync(ip).IsCompletedSuccessfully);
        }
        await transport.WaitForAsync(1);
        await node.Node.FlushLocalAsync();

        Assert.Equal(ips.Order(StringComparer.Ordinal), node.Enforcer.Blocks.Keys.Select(ip => ip.ToString()).Order(StringComparer.Ordinal));
        Assert.Single(transport.Received); // the transport still holds the first broadcast
        Assert.Equal(1, node.Node.Snapshot().Sent);

        transport.Release();
        await node.Node.FlushAsync();
        Assert.Equal(100, transport.Received.Count);
        Assert.Equal(100, node.Node.Snapshot().Sent);
    }

    [Fact]
    public async Task A_local_detection_is_one_firewall_transaction_with_the_confirmed_ttl()
    {
        await using var node = await NodeHarness.StartAsync();

        await node.DetectAsync(Attacker, 0.7f); // 0.7 alone stages a short block; the local confirmation makes it full
        await node.Node.FlushAsync();

        var applied = Assert.Single(node.Enforcer.ApplyCalls.SelectMany(call => call), block => block.Ip.Equals(AttackerIp));
        Assert.Equal(TimeSpan.FromHours(24), applied.Ttl);
        var entry = Assert.Single(node.Node.Snapshot().Staged);
        Assert.True(entry.Confirmed);
        Assert.Equal(SignalAction.BlockedFull, entry.Action);
    }

    [Fact]
    public async Task After_a_kill_9_a_new_node_loads_the_state_and_reconciles_the_firewall()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        using var crashCopy = new TempDirectory();
        await using (var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] }))
        {
            await node.SubmitAsync(peer.Signal(Attacker, 0.9f));
            await node.Node.FlushAsync();
            // What a kill -9 leaves behind: the files as they are now, no shutdown save.
            foreach (var file in Directory.GetFiles(node.DataDirectory))
            {
                File.Copy(file, Path.Combine(crashCopy.Path, Path.GetFileName(file)));
            }
        }
        time.Advance(TimeSpan.FromMinutes(20));
        var freshFirewall = new RecordingEnforcer();
        freshFirewall.Preload(IPAddress.Parse("185.220.9.9"), TimeSpan.FromHours(1)); // a stale block nobody wants

        await using var restarted = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = crashCopy.Path, Enforcer = freshFirewall, Peers = [NodeHarness.ConfiguredPeer(peer)] });

        var entry = Assert.Single(restarted.Node.Snapshot().Staged);
        Assert.Equal(AttackerIp, entry.Ip);
        Assert.Equal(TimeSpan.FromMinutes(40), Assert.Single(freshFirewall.Blocks).Value);
        Assert.Equal(1, restarted.Node.Reputations.Find(peer.NodeId)!.SignalsReceived);
    }

    [Fact]
    public async Task Entries_that_expired_while_down_are_reverted_and_counted_as_contradictions()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        using var dir = new TempDirectory();
        await using (var node = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)] }))
        {
            await node.SubmitAsync(peer.Signal(Attacker, 0.9f));
        }
        time.Advance(TimeSpan.FromHours(2));
        var firewall = new RecordingEnforcer();
        firewall.Preload(AttackerIp, TimeSpan.FromMinutes(5)); // a backend without timeouts still holds it

        await using var restarted = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Enforcer = firewall, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await restarted.Node.FlushAsync();

        Assert.Empty(restarted.Node.Snapshot().Staged);
        Assert.Empty(firewall.Blocks);
        Assert.Equal(0.55, restarted.TrustOf(peer.NodeId), 10);
        Assert.Equal(1, restarted.Node.Reputations.Find(peer.NodeId)!.Contradicted);
        Assert.Empty(StateFiles.Read(dir.Path).Staged);
    }

    [Fact]
    public async Task Stop_writes_the_state_with_reputations_and_staged_entries()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        using var dir = new TempDirectory();
        var node = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await node.SubmitAsync(peer.Signal(Attacker, 0.9f));

        await node.Node.StopAsync(CancellationToken.None);

        var state = StateFiles.Read(dir.Path);
        Assert.Equal(node.Identity.NodeId, state.NodeId);
        Assert.Equal("recording", state.Enforcer);
        Assert.Equal("blocked_short_ttl", Assert.Single(state.Staged).Action);
        Assert.Contains(state.Reputations, r => r.NodeId == peer.NodeId && r.Vouched);
        Assert.Equal("config", Assert.Single(state.Peers).Source);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_restored_entry_naming_a_peer_address_is_not_reapplied()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        using var dir = new TempDirectory();
        await StateFiles.WriteAsync(dir.Path, MeshState.Empty with
        {
            Staged = [new PersistedEntry(NodeHarness.PeerAddress, "blocked_full", 0.9, "x", NodeHarness.Start, NodeHarness.Start.AddHours(24), [new string('e', 64)], false, false)],
        }, time);

        await using var node = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await node.Node.FlushAsync();

        Assert.Empty(node.Enforcer.EverApplied);
    }

    [Fact]
    public async Task Two_nodes_in_one_process_protect_each_other()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var transportA = new LoopbackTransport();
        await using var b = await NodeHarness.StartAsync(new() { Time = time, Seed = 20, Peers = [new(new Uri("http://151.101.1.1:8790"), NodeId(1), "a")] });
        await using var a = await NodeHarness.StartAsync(new() { Time = time, Seed = 1, Transport = transportA, AutoBroadcast = true });
        transportA.Peers.Add(b.Node.Sink);

        await a.DetectAsync(Attacker, 0.95f);
        await a.Node.FlushAsync();
        await b.Node.FlushAsync();

        Assert.Equal(SignalAction.BlockedShortTtl, Assert.Single(transportA.Replies).Action); // 0.7 x 0.95 = 0.665
        Assert.True(a.Enforcer.Blocks.ContainsKey(AttackerIp));
        Assert.True(b.Enforcer.Blocks.ContainsKey(AttackerIp));
        Assert.Equal(1, b.Node.Snapshot().Accepted);
        Assert.NotEqual(a.Node.NodeId, b.Node.NodeId);
    }

    [Fact]
    public async Task A_failing_detector_is_restarted_with_backoff_and_its_detections_still_count()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var source = new ScriptedDetectionSource(Attacker);
        var staged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = new NodeHarness(new() { Time = time, Detectors = [source] });
        node.Node.Observer = e =>
        {
            if (e.Kind == NodeEventKind.Confirmed)
            {
                staged.TrySetResult();
            }
        };
        await node.Node.StartAsync(CancellationToken.None);
        await source.FirstRunFailed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Keep nudging the clock until the backoff delay (1 s of node time) has been scheduled and passed.
        while (!staged.Task.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(staged.Task, Task.Delay(10));
        }

        Assert.Equal(AttackerIp, Assert.Single(node.Node.Snapshot().Staged).Ip);
    }

    [Fact]
    public async Task Snapshot_counts_received_accepted_rejected_and_duplicates()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        var signal = peer.Signal(Attacker);

        await node.SubmitAsync(signal);
        await node.SubmitAsync(signal);
        await node.SubmitAsync(peer.Signal("10.0.0.1"));

        var snapshot = node.Node.Snapshot();
        Assert.Equal((3L, 1L, 1L, 1L), (snapshot.Received, snapshot.Accepted, snapshot.Rejected, snapshot.Duplicates));
        Assert.Equal("recording", snapshot.EnforcerName);
    }

    [Fact]
    public async Task Discovery_of_a_configured_endpoint_key_vouches_it_and_is_persisted()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        using var dir = new TempDirectory();
        var endpoint = new Uri("http://151.101.1.1:8790");
        await using (var node = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [new(endpoint, null, "peer-a")] }))
        {
            Assert.Equal(SignalAction.Discarded, (await node.SubmitAsync(peer.Signal(Attacker))).Action);
            node.Node.OnPeerDiscovered(new(endpoint, peer.NodeId, "peer-a"));
            Assert.Equal(SignalAction.BlockedShortTtl, (await node.SubmitAsync(peer.Signal("185.220.1.8"))).Action);
        }

        await using var restarted = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [new(endpoint, null, "peer-a")] });
        Assert.True(restarted.Node.Reputations.IsVouched(peer.NodeId));
    }

    private static string NodeId(int seed)
    {
        using var identity = Host.Identity.NodeIdentity.FromSeed(Enumerable.Repeat((byte)seed, 32).ToArray());
        return identity.NodeId;
    }

    [Fact]
    public async Task A_failing_firewall_never_crashes_the_node_and_the_next_tick_reconciles()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        var firewall = new RecordingEnforcer();
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Enforcer = firewall, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        firewall.Fail = true;

        Assert.Equal(SignalAction.BlockedShortTtl, (await node.SubmitAsync(peer.Signal(Attacker))).Action);
        await node.Node.FlushAsync();
        Assert.Empty(firewall.Blocks);

        firewall.Fail = false;
        await node.Node.TickAsync(CancellationToken.None);

        Assert.True(firewall.Blocks.ContainsKey(AttackerIp));
    }

    [Fact]
    public async Task A_throwing_observer_does_not_break_signal_handling()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        node.Node.Observer = _ => throw new InvalidOperationException("demo crashed");

        var verdict = await node.SubmitAsync(peer.Signal(Attacker));

        Assert.Equal(SignalAction.BlockedShortTtl, verdict.Action);
    }

    [Fact]
    public async Task The_node_timer_expires_blocks_without_an_explicit_tick()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await node.SubmitAsync(peer.Signal(Attacker, 0.9f));
        await node.Node.FlushAsync();
        Assert.True(node.Enforcer.Blocks.ContainsKey(AttackerIp));

        // Step the fake clock in poll-sized steps; the node's own timer loop must notice the expiry.
        for (int step = 0; step < 1_000 && node.Node.Snapshot().Staged.Count > 0; step++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(2);
        }
        await node.Node.FlushAsync();

        Assert.Empty(node.Node.Snapshot().Staged);
        Assert.False(node.Enforcer.Blocks.ContainsKey(AttackerIp));
        Assert.True(time.GetUtcNow() - NodeHarness.Start >= TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task An_unconfirmed_local_entry_expiring_debits_nobody()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        await using var node = await NodeHarness.StartAsync(new() { Time = time });
        node.Node.Coordinator.Stage(new(AttackerIp, node.Node.NodeId, 0.7, "ssh", TimeSpan.FromHours(1), true, time.GetUtcNow()));

        time.Advance(TimeSpan.FromHours(2));
        var expired = node.Node.Coordinator.ExpireDue();

        Assert.Single(expired);
        Assert.Null(node.Node.Reputations.Find(node.Node.NodeId));
    }

    [Fact]
    public async Task A_quarantine_survives_a_restart()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        using var dir = new TempDirectory();
        await using (var node = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)], MaxSignalsPerHour = 1 }))
        {
            await node.SubmitAsync(peer.Signal(Attacker));
            Assert.Equal(429, (await node.SubmitAsync(peer.Signal(Attacker))).HttpStatus);
        }
        time.Advance(TimeSpan.FromMinutes(10));

        await using var restarted = await NodeHarness.StartAsync(new() { Time = time, DataDirectory = dir.Path, Peers = [NodeHarness.ConfiguredPeer(peer)], MaxSignalsPerHour = 1 });

        Assert.Equal(403, (await restarted.SubmitAsync(peer.Signal(Attacker))).HttpStatus);
    }
}
