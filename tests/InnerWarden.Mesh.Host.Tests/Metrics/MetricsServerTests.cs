using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Host.Tests.Metrics;

public sealed class MetricsServerTests
{
    private const string NodeId = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
    private const string PeerNodeId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Scrape_shows_exactly_the_traffic_recorded()
    {
        var metrics = new MeshMetrics(NodeId, "0.2.0");
        await using var server = new MetricsServer(new MetricsOptions(Enabled: true, Bind: "127.0.0.1:0"), metrics, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        Assert.NotNull(server.Address);
        Assert.NotEqual(0, server.Address.Port);

        metrics.SignalReceived(new SignalVerdict(SignalAction.Watchlisted, RejectReason.None, null));
        metrics.SignalReceived(new SignalVerdict(SignalAction.BlockedShortTtl, RejectReason.None, null));
        metrics.SignalReceived(new SignalVerdict(SignalAction.BlockedShortTtl, RejectReason.None, null));
        metrics.SignalReceived(new SignalVerdict(SignalAction.Rejected, RejectReason.PrivateIp, "PrivateIp"));
        metrics.SignalReceived(new SignalVerdict(SignalAction.Rejected, RejectReason.PrivateIp, "PrivateIp"));
        metrics.SignalReceived(new SignalVerdict(SignalAction.Quarantined, RejectReason.RateLimitExceeded, "rate limit exceeded"));
        metrics.SignalSent("node-b");
        metrics.SignalSent("node-b");
        metrics.DeliveryFailed("node-c");
        metrics.SetPeerLink("node-c", "open", reachable: false);
        metrics.SetPeerLink("node-b", "closed", reachable: true);
        metrics.SetTrust(PeerNodeId, "node-b", 0.62);
        metrics.SetStaged(watchlisted: 1, blockedShort: 2, blockedFull: 0);
        metrics.BlocksApplied(2);
        metrics.BlocksReverted(1);
        metrics.BlockRefused(RejectReason.Allowlisted);
        metrics.ObserveEnforcerBatch(MeshMetrics.EnforcerApply, TimeSpan.FromMilliseconds(0.3));
        metrics.ObserveEnforcerBatch(MeshMetrics.EnforcerApply, TimeSpan.FromMilliseconds(7));
        metrics.ObserveEnforcerBatch(MeshMetrics.EnforcerRevert, TimeSpan.FromSeconds(2));
        metrics.LocalDetection("ssh_bruteforce");

        var scrape = await ScrapeAsync(server);

        const string received = "innerwarden_mesh_signals_received_total";
        Assert.Equal(1, scrape.Value(received, ("verdict", "watchlisted"), ("reason", "none")));
        Assert.Equal(2, scrape.Value(received, ("verdict", "blocked_short_ttl"), ("reason", "none")));
        Assert.Equal(2, scrape.Value(received, ("verdict", "rejected"), ("reason", "PrivateIp")));
        Assert.Equal(1, scrape.Value(received, ("verdict", "quarantined"), ("reason", "RateLimitExceeded")));
        Assert.Equal(4, scrape.SeriesCount(received));
        Assert.Equal(2, scrape.Value("innerwarden_mesh_signals_sent_total", ("peer", "node-b")));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_signal_delivery_failures_total", ("peer", "node-c")));
        Assert.Equal(2, scrape.Value("innerwarden_mesh_peer_circuit_state", ("peer", "node-c")));
        Assert.Equal(0, scrape.Value("innerwarden_mesh_peer_reachable", ("peer", "node-c")));
        Assert.Equal(0, scrape.Value("innerwarden_mesh_peer_circuit_state", ("peer", "node-b")));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_peer_reachable", ("peer", "node-b")));
        Assert.Equal(0.62, scrape.Value("innerwarden_mesh_peer_trust", ("peer", "0123456789abcdef"), ("peer_label", "node-b")));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_staged_entries", ("action", "watchlisted")));
        Assert.Equal(2, scrape.Value("innerwarden_mesh_staged_entries", ("action", "blocked_short_ttl")));
        Assert.Equal(0, scrape.Value("innerwarden_mesh_staged_entries", ("action", "blocked_full")));
        Assert.Equal(2, scrape.Value("innerwarden_mesh_blocks_applied_total"));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_blocks_reverted_total"));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_blocks_refused_total", ("reason", "Allowlisted")));
        Assert.Equal(2, scrape.Value("innerwarden_mesh_enforcer_batch_seconds_count", ("operation", "apply")));
        Assert.Equal(0.0073, scrape.Value("innerwarden_mesh_enforcer_batch_seconds_sum", ("operation", "apply"))!.Value, 9);
        Assert.Equal(1, scrape.Value("innerwarden_mesh_enforcer_batch_seconds_bucket", ("operation", "apply"), ("le", "0.0005")));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_enforcer_batch_seconds_bucket", ("operation", "apply"), ("le", "0.005")));
        Assert.Equal(2, scrape.Value("innerwarden_mesh_enforcer_batch_seconds_bucket", ("operation", "apply"), ("le", "0.01")));
        Assert.Equal(0, scrape.Value("innerwarden_mesh_enforcer_batch_seconds_bucket", ("operation", "revert"), ("le", "1")));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_enforcer_batch_seconds_bucket", ("operation", "revert"), ("le", "2.5")));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_local_detections_total", ("detector", "ssh_bruteforce")));
        Assert.Equal(1, scrape.Value("innerwarden_mesh_info", ("version", "0.2.0"), ("node_id", NodeId)));
        Assert.All(scrape.SampleNames, name => Assert.StartsWith(MeshMetrics.Prefix, name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Counters_move_between_scrapes_with_more_traffic()
    {
        var metrics = new MeshMetrics(NodeId, "0.2.0");
        await using var server = await StartedAsync(metrics);
        var accepted = new SignalVerdict(SignalAction.BlockedFull, RejectReason.None, null);
        metrics.SignalReceived(accepted);

        var before = await ScrapeAsync(server);
        metrics.SignalReceived(accepted);
        metrics.SignalReceived(accepted);
        var after = await ScrapeAsync(server);

        const string received = "innerwarden_mesh_signals_received_total";
        Assert.Equal(1, before.Value(received, ("verdict", "blocked_full"), ("reason", "none")));
        Assert.Equal(3, after.Value(received, ("verdict", "blocked_full"), ("reason", "none")));
    }

    [Fact]
    public async Task Collector_refreshes_gauges_at_every_scrape()
    {
        var metrics = new MeshMetrics(NodeId, "0.2.0");
        var staged = 0;
        var calls = 0;
        metrics.AddCollector(() =>
        {
            calls++;
            metrics.SetStaged(staged, 0, staged * 2);
        });
        await using var server = await StartedAsync(metrics);

        staged = 5;
        var first = await ScrapeAsync(server);
        staged = 7;
        var second = await ScrapeAsync(server);

        Assert.Equal(5, first.Value("innerwarden_mesh_staged_entries", ("action", "watchlisted")));
        Assert.Equal(10, first.Value("innerwarden_mesh_staged_entries", ("action", "blocked_full")));
        Assert.Equal(7, second.Value("innerwarden_mesh_staged_entries", ("action", "watchlisted")));
        Assert.Equal(14, second.Value("innerwarden_mesh_staged_entries", ("action", "blocked_full")));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task A_throwing_collector_is_counted_and_the_scrape_still_answers()
    {
        var metrics = new MeshMetrics(NodeId, "0.2.0");
        metrics.AddCollector(() => throw new InvalidOperationException("reputation book is gone"));
        metrics.AddCollector(() => metrics.SetStaged(3, 0, 0));
        await using var server = await StartedAsync(metrics);

        var scrape = await ScrapeAsync(server);

        Assert.Equal(1, scrape.Value("innerwarden_mesh_metrics_collect_errors_total"));
        Assert.Equal(3, scrape.Value("innerwarden_mesh_staged_entries", ("action", "watchlisted")));
    }

    [Fact]
    public async Task Only_get_metrics_is_served()
    {
        var metrics = new MeshMetrics(NodeId, "0.2.0");
        await using var server = await StartedAsync(metrics);
        using var client = new HttpClient { BaseAddress = server.Address };

        using var other = await client.GetAsync(new Uri("/mesh/signal", UriKind.Relative));
        using var post = await client.PostAsync(new Uri(MetricsServer.Path, UriKind.Relative), new StringContent("x"));
        using var get = await client.GetAsync(new Uri(MetricsServer.Path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", get.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Disabled_server_does_not_listen()
    {
        var metrics = new MeshMetrics(NodeId, "0.2.0");
        await using var server = new MetricsServer(new MetricsOptions(), metrics, NullLoggerFactory.Instance);

        await server.StartAsync(CancellationToken.None);

        Assert.Null(server.Address);
    }

    [Fact]
    public async Task Stopped_server_releases_its_port()
    {
        var metrics = new MeshMetrics(NodeId, "0.2.0");
        var server = await StartedAsync(metrics);
        var address = server.Address!;
        await server.StopAsync(CancellationToken.None);

        Assert.Null(server.Address);
        await using var again = new MetricsServer(new MetricsOptions(true, $"127.0.0.1:{address.Port}"), metrics, NullLoggerFactory.Instance);
        await again.StartAsync(CancellationToken.None);
        Assert.Equal(address.Port, again.Address!.Port);
    }

    [Fact]
    public async Task Taken_port_fails_with_the_bind_value_in_the_message()
    {
        var metrics = new MeshMetrics(NodeId, "0.2.0");
        await using var first = await StartedAsync(metrics);
        var bind = $"127.0.0.1:{first.Address!.Port}";
        await using var second = new MetricsServer(new MetricsOptions(true, bind), metrics, NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<IOException>(() => second.StartAsync(CancellationToken.None));

        Assert.Contains($"metrics.bind: cannot listen on '{bind}'", error.Message, StringComparison.Ordinal);
        Assert.Null(second.Address);
    }

    [Fact]
    public void Bad_bind_is_refused_at_construction_naming_the_value()
    {
        var metrics = new MeshMetrics(NodeId, "0.2.0");

        var error = Assert.Throws<ArgumentException>(() => new MetricsServer(new MetricsOptions(true, "metrics-host"), metrics, NullLoggerFactory.Instance));

        Assert.Contains("metrics.bind: 'metrics-host' is not host:port", error.Message, StringComparison.Ordinal);
    }

    private static async Task<MetricsServer> StartedAsync(MeshMetrics metrics)
    {
        var server = new MetricsServer(new MetricsOptions(Enabled: true, Bind: "127.0.0.1:0"), metrics, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    private static async Task<PrometheusText> ScrapeAsync(MetricsServer server)
    {
        using var client = new HttpClient { BaseAddress = server.Address };
        var text = await client.GetStringAsync(new Uri(MetricsServer.Path, UriKind.Relative));
        return PrometheusText.Parse(text);
    }
}
