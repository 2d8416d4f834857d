using System.Net;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Metrics;
using InnerWarden.Mesh.Host.Tests.Metrics;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Pipeline;

public sealed class InboundPipelineTests
{
    private const string Attacker = "185.220.1.7";

    [Fact]
    public async Task Signal_from_vouched_peer_is_staged_and_reaches_the_firewall()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });

        var verdict = await node.SubmitAsync(peer.Signal(Attacker, 0.9f)); // 0.7 x 0.9 = 0.63: short block

        Assert.Equal(SignalAction.BlockedShortTtl, verdict.Action);
        Assert.True(verdict.Accepted);
        Assert.Equal(200, verdict.HttpStatus);
        await node.Node.FlushAsync();
        Assert.Equal(TimeSpan.FromHours(1), node.Enforcer.Blocks[IPAddress.Parse(Attacker)]);
    }

    [Theory]
    [InlineData("web-scan/nginx")]
    [InlineData("ssh brute|force")]
    [InlineData("détecteur 检测器 \U0001F525")]
    public async Task A_signed_signal_with_any_detector_text_is_verified_and_staged(string detector)
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });

        var verdict = await node.SubmitAsync(peer.Signal(Attacker, 0.9f, detector: detector));
        var tampered = await node.SubmitAsync(peer.Signal("185.220.1.8", 0.9f, detector: detector) with { Detector = detector + "x" });

        Assert.Equal(SignalAction.BlockedShortTtl, verdict.Action);
        Assert.Equal(detector, Assert.Single(node.Node.Snapshot().Staged).Detector);
        Assert.Equal(RejectReason.InvalidSignature, tampered.Reason);
    }

    [Fact]
    public async Task A_detector_with_a_control_character_is_refused_as_a_parse_error_naming_the_field()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });

        var verdict = await node.SubmitAsync(peer.Signal(Attacker, 0.9f, detector: "web\nscan"));

        Assert.Equal(SignalAction.Rejected, verdict.Action);
        Assert.Equal(RejectReason.InvalidField, verdict.Reason);
        // Not one of docs/protocol.md's codes: answered as a parse error, whose text names the field.
        Assert.StartsWith("detector 'web?scan' must be 1-128 characters", verdict.Error, StringComparison.Ordinal);
        Assert.Empty(node.Node.Snapshot().Staged);
    }

    [Fact]
    public async Task Signal_from_unknown_peer_is_discarded_and_remembered()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var stranger = new TestPeer(3, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time });

        var verdict = await node.SubmitAsync(stranger.Signal(Attacker, 1.0f)); // 0.1 x 1.0 < 0.3

        Assert.Equal(SignalAction.Discarded, verdict.Action);
        Assert.False(verdict.Accepted);
        Assert.Equal(200, verdict.HttpStatus);
        Assert.Equal(1, node.Node.Snapshot().RememberedCount);
        Assert.Empty(node.Node.Snapshot().Staged);
    }

    [Fact]
    public async Task Duplicate_changes_nothing_no_trust_no_rate_count_no_second_audit_line()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)], MaxSignalsPerHour = 2 });
        var signal = peer.Signal(Attacker);

        var first = await node.SubmitAsync(signal);
        var before = node.Node.Reputations.Find(peer.NodeId);
        var second = await node.SubmitAsync(signal);
        var after = node.Node.Reputations.Find(peer.NodeId);

        Assert.Equal(SignalAction.BlockedShortTtl, first.Action);
        Assert.Equal(SignalAction.Duplicate, second.Action);
        Assert.Equal(200, second.HttpStatus);
        Assert.Equal(before, after);
        Assert.Equal(1, after!.SignalsReceived);
        // The budget is 2: had the duplicate counted, this third signal would be over it.
        Assert.Equal(SignalAction.BlockedShortTtl, (await node.SubmitAsync(peer.Signal("185.220.1.8"))).Action);
        await node.Node.FlushAsync();
        var lines = File.ReadAllLines(AuditLog.PathFor(node.DataDirectory, time.GetUtcNow()));
        Assert.Single(lines, l => l.Contains(signal.Signature, StringComparison.Ordinal));
        Assert.Equal(1, node.Node.Snapshot().Duplicates);
    }

    [Fact]
    public async Task Replays_cannot_quarantine_an_honest_peer()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        var signal = peer.Signal(Attacker);
        await node.SubmitAsync(signal);

        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(SignalAction.Duplicate, (await node.SubmitAsync(signal)).Action);
        }

        Assert.Null(node.Node.Reputations.Find(peer.NodeId)!.QuarantinedUntil);
        Assert.Equal(SignalAction.BlockedShortTtl, (await node.SubmitAsync(peer.Signal("185.220.1.8"))).Action);
    }

    [Fact]
    public async Task Fifty_first_signal_in_an_hour_is_429_then_later_ones_403()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });

        for (int i = 0; i < 50; i++)
        {
            Assert.True((await node.SubmitAsync(peer.Signal(Attacker))).Accepted);
        }
        var over = await node.SubmitAsync(peer.Signal(Attacker));
        var next = await node.SubmitAsync(peer.Signal(Attacker));

        Assert.Equal(SignalAction.Quarantined, over.Action);
        Assert.Equal(RejectReason.RateLimitExceeded, over.Reason);
        Assert.Equal(429, over.HttpStatus);
        Assert.Equal("rate limit exceeded", over.Error);
        Assert.Equal(403, next.HttpStatus);
        Assert.Equal(RejectReason.PeerQuarantined, next.Reason);
        Assert.Equal("peer is quarantined", next.Error);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(1), node.Node.Reputations.Find(peer.NodeId)!.QuarantinedUntil);
    }

    [Fact]
    public async Task Rate_window_slides_with_time()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)], MaxSignalsPerHour = 4 });

        await node.SubmitAsync(peer.Signal(Attacker));
        await node.SubmitAsync(peer.Signal(Attacker));
        time.Advance(TimeSpan.FromMinutes(40));
        await node.SubmitAsync(peer.Signal(Attacker));
        await node.SubmitAsync(peer.Signal(Attacker));
        time.Advance(TimeSpan.FromMinutes(21)); // the first two are now more than an hour old

        Assert.True((await node.SubmitAsync(peer.Signal(Attacker))).Accepted);
        Assert.True((await node.SubmitAsync(peer.Signal(Attacker))).Accepted);
        Assert.Equal(429, (await node.SubmitAsync(peer.Signal(Attacker))).HttpStatus);
    }

    [Fact]
    public async Task Quarantine_ends_after_an_hour()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)], MaxSignalsPerHour = 1 });
        await node.SubmitAsync(peer.Signal(Attacker));
        Assert.Equal(429, (await node.SubmitAsync(peer.Signal(Attacker))).HttpStatus);

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(403, (await node.SubmitAsync(peer.Signal(Attacker))).HttpStatus);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await node.SubmitAsync(peer.Signal(Attacker))).Accepted);
    }

    [Fact]
    public async Task Tampered_copy_is_rejected_and_cannot_poison_dedup()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        var genuine = peer.Signal(Attacker, 0.9f);

        var tampered = await node.SubmitAsync(genuine with { Confidence = 1.0f });
        var real = await node.SubmitAsync(genuine);

        Assert.Equal(RejectReason.InvalidSignature, tampered.Reason);
        Assert.Equal(400, tampered.HttpStatus);
        Assert.Equal("InvalidSignature", tampered.Error);
        Assert.Equal(SignalAction.BlockedShortTtl, real.Action);
    }

    public static TheoryData<string, RejectReason> BadSignals => new()
    {
        { "private", RejectReason.PrivateIp },
        { "loopback6", RejectReason.PrivateIp },
        { "old", RejectReason.TimestampTooOld },
        { "future", RejectReason.TimestampTooFarFuture },
        { "confidence", RejectReason.InvalidConfidence },
        { "nan", RejectReason.InvalidConfidence },
        { "signature", RejectReason.InvalidSignature },
        { "ip", RejectReason.InvalidIp },
        { "own", RejectReason.Allowlisted },
        { "peer", RejectReason.Allowlisted },
        { "allowlist", RejectReason.Allowlisted },
    };

    [Theory]
    [MemberData(nameof(BadSignals))]
    public async Task Invalid_signal_is_400_with_its_reason_audited_and_changes_nothing(string kind, RejectReason expected)
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        var signal = kind switch
        {
            "private" => peer.Signal("10.1.2.3"),
            "loopback6" => peer.Signal("::1"),
            "old" => Aged(peer, time, TimeSpan.FromMinutes(-61)),
            "future" => Aged(peer, time, TimeSpan.FromMinutes(6)),
            "confidence" => peer.Signal(Attacker, 1.5f),
            // MessagePack can carry a NaN float; JSON cannot, and the audit line must still be written.
            "nan" => peer.Signal(Attacker, float.NaN),
            "signature" => peer.Signal(Attacker) with { Ip = "185.220.1.9" },
            "ip" => peer.Signal(Attacker) with { Ip = "not-an-ip" },
            "own" => peer.Signal(NodeHarness.OwnAddress.ToString()),
            "peer" => peer.Signal(NodeHarness.PeerAddress),
            _ => peer.Signal(NodeHarness.AllowlistedAddress),
        };
        var trustBefore = node.TrustOf(peer.NodeId);

        var verdict = await node.SubmitAsync(signal);

        Assert.Equal(SignalAction.Rejected, verdict.Action);
        Assert.Equal(expected, verdict.Reason);
        // The wire carries docs/protocol.md's codes only: an unparseable or allowlisted address is PrivateIp, as the original answers.
        Assert.Equal(expected is RejectReason.InvalidIp or RejectReason.Allowlisted ? "PrivateIp" : expected.ToString(), verdict.Error);
        Assert.Equal(400, verdict.HttpStatus);
        Assert.Equal(trustBefore, node.TrustOf(peer.NodeId));
        Assert.Equal(0, node.Node.Reputations.Find(peer.NodeId)!.SignalsReceived);
        await node.Node.FlushAsync();
        Assert.Empty(node.Enforcer.EverApplied);
        Assert.Empty(node.Node.Snapshot().Staged);
        var line = Assert.Single(File.ReadAllLines(AuditLog.PathFor(node.DataDirectory, time.GetUtcNow())));
        Assert.Contains($"\"reason\":\"{expected}\"", line, StringComparison.Ordinal);
        Assert.Contains("\"action\":\"rejected\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Own_signal_relayed_back_is_a_duplicate_and_changes_nothing()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        await using var node = await NodeHarness.StartAsync(new() { Time = time });
        var self = new Host.Signals.SignalSigner(node.Identity, time);
        var signal = self.Create(new Contracts.Detections.Detection(IPAddress.Parse(Attacker), "ssh_bruteforce", 1f, "x", time.GetUtcNow()), 3600);

        var verdict = await node.SubmitAsync(signal);

        Assert.Equal(SignalAction.Duplicate, verdict.Action);
        Assert.Null(node.Node.Reputations.Find(node.Node.NodeId));
        Assert.Empty(node.Node.Snapshot().Staged);
    }

    [Fact]
    public async Task Concurrent_copies_of_one_signal_are_accepted_exactly_once()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        var signal = peer.Signal(Attacker);

        var verdicts = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => node.SubmitAsync(signal))));

        Assert.Single(verdicts, v => v.Accepted);
        Assert.Equal(63, verdicts.Count(v => v.Action == SignalAction.Duplicate));
        Assert.Equal(1, node.Node.Reputations.Find(peer.NodeId)!.SignalsReceived);
    }

    [Fact]
    public async Task Ping_status_reports_node_id_uptime_and_staged_count()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });
        await node.SubmitAsync(peer.Signal(Attacker));
        time.Advance(TimeSpan.FromSeconds(90));

        var status = node.Node.Sink.GetStatus();

        Assert.Equal(node.Identity.NodeId, status.NodeId);
        Assert.Equal(90UL, status.UptimeSecs);
        Assert.Equal(1UL, status.StagedCount);
        Assert.False(string.IsNullOrEmpty(status.Version));
    }

    private static ThreatSignal Aged(TestPeer peer, FakeTimeProvider time, TimeSpan offset)
    {
        var other = new FakeTimeProvider(time.GetUtcNow() + offset);
        using var signer = new TestPeer(2, other);
        return signer.Signal(Attacker);
    }

    [Fact]
    public async Task Flood_of_valid_signals_from_fresh_identities_keeps_tracked_state_bounded()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var honest = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(honest)], TrackedPeerCapacity = 200 });

        for (int i = 0; i < 2_000; i++)
        {
            using var sybil = new TestPeer(1_000 + i, time);
            Assert.Equal(SignalAction.Discarded, (await node.SubmitAsync(sybil.Signal(Attacker, 1.0f))).Action);
        }

        Assert.InRange(node.Node.Reputations.Count, 1, 200);
        Assert.InRange(node.Node.RateLimiter.TrackedCount, 1, 200);
        Assert.Equal(NodeHarness.InitialTrust, node.TrustOf(honest.NodeId));
        Assert.Equal(SignalAction.BlockedShortTtl, (await node.SubmitAsync(honest.Signal(Attacker))).Action);
    }

    [Fact]
    public async Task Vouched_and_credited_signers_get_an_audit_line_per_signal_and_a_strangers_flood_is_counted()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var vouched = new TestPeer(2, time);
        using var stranger = new TestPeer(3, time);
        using var credited = new TestPeer(4, time);
        var metrics = new MeshMetrics(new string('b', 64), "test");
        await using var node = await NodeHarness.StartAsync(new()
        {
            Time = time,
            Peers = [NodeHarness.ConfiguredPeer(vouched)],
            MaxSignalsPerHour = 1_000,
            Audit = new AuditOptions(UnknownLinesPerMinute: 10),
            Metrics = metrics,
        });
        // Unknown until this node confirms one of its reports: then it has earned trust, and its lines are all written.
        await node.SubmitAsync(credited.Signal(Attacker, 1.0f));
        await node.DetectAsync(Attacker);
        Assert.Equal(1, node.Node.Reputations.Find(credited.NodeId)!.Confirmed);
        time.Advance(TimeSpan.FromMinutes(1));

        for (int i = 0; i < 100; i++)
        {
            var ip = $"185.220.2.{i + 1}";
            await node.SubmitAsync(vouched.Signal(ip));
            await node.SubmitAsync(credited.Signal(ip));
            Assert.Equal(SignalAction.Discarded, (await node.SubmitAsync(stranger.Signal(ip, 1.0f))).Action);
        }
        time.Advance(TimeSpan.FromMinutes(1));
        await node.Node.FlushAsync();

        var lines = AuditLog.Files(node.DataDirectory).SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        int LinesOf(TestPeer peer) => lines.Count(l => l.TryGetProperty("node_id", out var id) && id.GetString() == peer.NodeId);
        Assert.Equal(100, LinesOf(vouched));
        Assert.Equal(101, LinesOf(credited));
        Assert.Equal(10, LinesOf(stranger));
        var summary = Assert.Single(lines, l => l.TryGetProperty("count", out _));
        Assert.Equal(("discarded", "None", 90L), (summary.GetProperty("action").GetString(), summary.GetProperty("reason").GetString(), summary.GetProperty("count").GetInt64()));
        var scrape = await PrometheusText.ScrapeAsync(metrics);
        Assert.Equal(90, scrape.Value("innerwarden_mesh_audit_signals_counted_total"));
        Assert.Equal(0, scrape.Value("innerwarden_mesh_audit_lines_lost_total"));
    }

    [Fact]
    public async Task Ipv4_mapped_form_stages_under_the_plain_ipv4_address()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)] });

        await node.SubmitAsync(peer.Signal("::ffff:" + Attacker));
        await node.SubmitAsync(peer.Signal(Attacker));

        Assert.Equal(IPAddress.Parse(Attacker), Assert.Single(node.Node.Snapshot().Staged).Ip);
    }
}
