using System.Security.Cryptography;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Metrics;

namespace InnerWarden.Mesh.Host.Tests.Metrics;

public sealed class MeshMetricsTests
{
    private const string NodeA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string NodeB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    [Fact]
    public async Task Two_nodes_in_one_process_do_not_share_values()
    {
        var a = new MeshMetrics(NodeA, "0.2.0");
        var b = new MeshMetrics(NodeB, "0.2.0");

        a.SignalReceived(SignalAction.Watchlisted, RejectReason.None);
        a.SignalReceived(SignalAction.Watchlisted, RejectReason.None);
        b.SignalReceived(SignalAction.Watchlisted, RejectReason.None);
        a.BlocksApplied(5);
        b.SignalSent("node-c");

        var scrapeA = await PrometheusText.ScrapeAsync(a);
        var scrapeB = await PrometheusText.ScrapeAsync(b);

        const string received = "innerwarden_mesh_signals_received_total";
        Assert.Equal(2, scrapeA.Value(received, ("verdict", "watchlisted"), ("reason", "none")));
        Assert.Equal(1, scrapeB.Value(received, ("verdict", "watchlisted"), ("reason", "none")));
        Assert.Equal(5, scrapeA.Value("innerwarden_mesh_blocks_applied_total"));
        Assert.Equal(0, scrapeB.Value("innerwarden_mesh_blocks_applied_total"));
        Assert.Null(scrapeA.Value("innerwarden_mesh_signals_sent_total", ("peer", "node-c")));
        Assert.Equal(1, scrapeB.Value("innerwarden_mesh_signals_sent_total", ("peer", "node-c")));
        Assert.Equal(NodeA, Assert.Single(scrapeA.LabelValues("innerwarden_mesh_info", "node_id")));
        Assert.Equal(NodeB, Assert.Single(scrapeB.LabelValues("innerwarden_mesh_info", "node_id")));
    }

    [Fact]
    public async Task Ten_thousand_peers_make_at_most_the_cap_of_series_and_lose_no_counts()
    {
        var metrics = new MeshMetrics(NodeA, "0.2.0");

        for (var i = 0; i < 10_000; i++)
        {
            var peer = $"flood-{i}.example:8790";
            metrics.SignalSent(peer);
            metrics.DeliveryFailed(peer);
            metrics.SetPeerLink(peer, "open", reachable: false);
            metrics.SetTrust(NodeIdOf(i), null, 0.1);
        }

        var scrape = await PrometheusText.ScrapeAsync(metrics);
        const string sent = "innerwarden_mesh_signals_sent_total";
        Assert.Equal(MeshMetrics.MaxPeerLabels + 1, scrape.SeriesCount(sent));
        Assert.Equal(10_000 - MeshMetrics.MaxPeerLabels, scrape.Value(sent, ("peer", "other")));
        Assert.Equal(1, scrape.Value(sent, ("peer", "flood-0.example:8790")));
        Assert.Null(scrape.Value(sent, ("peer", "flood-9999.example:8790")));
        Assert.Equal(MeshMetrics.MaxPeerLabels + 1, scrape.SeriesCount("innerwarden_mesh_signal_delivery_failures_total"));
        // Gauges past the cap are not shown at all: an "other" gauge would hold whichever peer wrote last.
        Assert.Equal(MeshMetrics.MaxPeerLabels, scrape.SeriesCount("innerwarden_mesh_peer_circuit_state"));
        Assert.Equal(MeshMetrics.MaxPeerLabels, scrape.SeriesCount("innerwarden_mesh_peer_trust"));
        Assert.DoesNotContain("other", scrape.LabelValues("innerwarden_mesh_peer_trust", "peer"));
    }

    [Fact]
    public async Task Audit_totals_are_raised_to_the_logs_own_counts_and_never_lowered()
    {
        var metrics = new MeshMetrics(NodeA, "0.2.0");

        metrics.SetAuditTotals(linesLost: 12, signalsCounted: 99_940);
        metrics.SetAuditTotals(linesLost: 3, signalsCounted: 100_000);

        var scrape = await PrometheusText.ScrapeAsync(metrics);
        Assert.Equal(12, scrape.Value("innerwarden_mesh_audit_lines_lost_total"));
        Assert.Equal(100_000, scrape.Value("innerwarden_mesh_audit_signals_counted_total"));
    }

    [Fact]
    public async Task Detectors_past_their_cap_count_as_other()
    {
        var metrics = new MeshMetrics(NodeA, "0.2.0");

        for (var i = 0; i < MeshMetrics.MaxDetectorLabels + 10; i++)
        {
            metrics.LocalDetection($"detector_{i}");
        }

        var scrape = await PrometheusText.ScrapeAsync(metrics);
        Assert.Equal(MeshMetrics.MaxDetectorLabels + 1, scrape.SeriesCount("innerwarden_mesh_local_detections_total"));
        Assert.Equal(10, scrape.Value("innerwarden_mesh_local_detections_total", ("detector", "other")));
    }

    [Fact]
    public async Task Trust_snapshot_drops_identities_gone_from_the_book_and_frees_their_slots()
    {
        var metrics = new MeshMetrics(NodeA, "0.2.0");
        var flood = Enumerable.Range(0, MeshMetrics.MaxPeerLabels)
            .Select(i => (NodeIdOf(i), (string?)null, 0.05));
        metrics.SetTrust(flood);
        var full = await PrometheusText.ScrapeAsync(metrics);
        Assert.Equal(MeshMetrics.MaxPeerLabels, full.SeriesCount("innerwarden_mesh_peer_trust"));

        metrics.SetTrust([(NodeB, "node-b", 0.8)]);

        var scrape = await PrometheusText.ScrapeAsync(metrics);
        Assert.Equal(1, scrape.SeriesCount("innerwarden_mesh_peer_trust"));
        Assert.Equal(0.8, scrape.Value("innerwarden_mesh_peer_trust", ("peer", "bbbbbbbbbbbbbbbb"), ("peer_label", "node-b")));
    }

    [Fact]
    public async Task Trust_series_follows_a_label_learned_later()
    {
        var metrics = new MeshMetrics(NodeA, "0.2.0");
        metrics.SetTrust(NodeB, null, 0.5);

        metrics.SetTrust(NodeB, "node-b", 0.55);

        var scrape = await PrometheusText.ScrapeAsync(metrics);
        Assert.Equal(1, scrape.SeriesCount("innerwarden_mesh_peer_trust"));
        Assert.Equal(0.55, scrape.Value("innerwarden_mesh_peer_trust", ("peer", "bbbbbbbbbbbbbbbb"), ("peer_label", "node-b")));
    }

    [Fact]
    public async Task Peer_links_snapshot_sets_states_and_drops_removed_peers()
    {
        var metrics = new MeshMetrics(NodeA, "0.2.0");
        var b = new PeerInfo(new Uri("http://10.0.0.2:8790"), NodeB, "node-b");
        var c = new PeerInfo(new Uri("http://10.0.0.3:8790"), null, null);
        metrics.SetPeerLinks([Link(b, "closed", true), Link(c, "HalfOpen", false)]);
        var first = await PrometheusText.ScrapeAsync(metrics);

        metrics.SetPeerLinks([Link(b, "isolated", false)]);
        var second = await PrometheusText.ScrapeAsync(metrics);

        const string circuit = "innerwarden_mesh_peer_circuit_state";
        Assert.Equal(0, first.Value(circuit, ("peer", "node-b")));
        Assert.Equal(1, first.Value(circuit, ("peer", "10.0.0.3:8790")));
        Assert.Equal(0, first.Value("innerwarden_mesh_peer_reachable", ("peer", "10.0.0.3:8790")));
        Assert.Equal(2, second.Value(circuit, ("peer", "node-b")));
        Assert.Null(second.Value(circuit, ("peer", "10.0.0.3:8790")));
        Assert.Null(second.Value("innerwarden_mesh_peer_reachable", ("peer", "10.0.0.3:8790")));
    }

    [Theory]
    [InlineData("closed", 0)]
    [InlineData("Closed", 0)]
    [InlineData("half-open", 1)]
    [InlineData("HalfOpen", 1)]
    [InlineData("half_open", 1)]
    [InlineData("open", 2)]
    [InlineData("Isolated", 2)]
    [InlineData("melted", -1)]
    [InlineData(null, -1)]
    public void Circuit_state_names_map_to_gauge_values(string? state, double expected)
        => Assert.Equal(expected, MeshMetrics.CircuitStateValue(state));

    [Fact]
    public async Task Delivery_totals_pulled_from_the_transport_never_move_a_counter_backwards()
    {
        var metrics = new MeshMetrics(NodeA, "0.2.0");
        metrics.SetDeliveryTotals("node-b", sent: 10, failed: 2);
        metrics.SetDeliveryTotals("node-b", sent: 4, failed: 1);

        var scrape = await PrometheusText.ScrapeAsync(metrics);

        Assert.Equal(10, scrape.Value("innerwarden_mesh_signals_sent_total", ("peer", "node-b")));
        Assert.Equal(2, scrape.Value("innerwarden_mesh_signal_delivery_failures_total", ("peer", "node-b")));
    }

    [Fact]
    public async Task Odd_input_is_recorded_without_throwing()
    {
        var metrics = new MeshMetrics(NodeA, "0.2.0");

        metrics.BlocksApplied(-3);
        metrics.SignalSent("", count: 0);
        metrics.SignalSent(null!);
        metrics.LocalDetection(new string('x', 10_000));
        // Detector text is free: a cut must not split a surrogate pair.
        metrics.LocalDetection("x" + string.Concat(Enumerable.Repeat("\U0001F525", 100)));
        metrics.ObserveEnforcerBatch("aply", TimeSpan.FromMilliseconds(-5));
        metrics.SignalReceived((SignalAction)99, (RejectReason)77);

        var scrape = await PrometheusText.ScrapeAsync(metrics);
        Assert.Equal(0, scrape.Value("innerwarden_mesh_blocks_applied_total"));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_signals_sent_total", ("peer", "unknown")));
        var detectors = scrape.LabelValues("innerwarden_mesh_local_detections_total", "detector");
        Assert.Equal(2, detectors.Count);
        Assert.Contains(new string('x', BoundedLabelMap<object>.MaxValueLength), detectors);
        Assert.Contains("x" + string.Concat(Enumerable.Repeat("\U0001F525", (BoundedLabelMap<object>.MaxValueLength / 2) - 1)), detectors);
        Assert.Equal(1, scrape.Value("innerwarden_mesh_enforcer_batch_seconds_count", ("operation", "other")));
        Assert.Equal(0, scrape.Value("innerwarden_mesh_enforcer_batch_seconds_sum", ("operation", "other")));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_signals_received_total", ("verdict", "99"), ("reason", "77")));
    }

    // Distinct, realistic identities: the label keeps only 16 hex, so ids must differ early, as real keys do.
    private static string NodeIdOf(int i) => Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)));

    private static PeerLinkStatus Link(PeerInfo peer, string state, bool reachable) => new(peer, reachable, null, state, 0, "msgpack");
}
