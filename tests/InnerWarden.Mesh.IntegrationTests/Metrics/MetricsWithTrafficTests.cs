using System.Globalization;
using InnerWarden.Mesh.Host.Metrics;
using InnerWarden.Mesh.IntegrationTests.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.IntegrationTests.Metrics;

/// <summary>A live node's /metrics endpoint, scraped while real signals flow between two nodes over loopback HTTP.</summary>
public sealed class MetricsWithTrafficTests
{
    [Fact]
    public async Task Scraped_numbers_move_with_real_signals_detections_and_blocks()
    {
        var metrics = new MeshMetrics(new string('b', 64), "test");
        await using var mesh = await TestMesh.StartAsync(
            new TestNodeSpec("A"),
            new TestNodeSpec("B") { InitialTrust = 0.85, Metrics = metrics });
        await using var server = new MetricsServer(new MetricsOptions(true, "127.0.0.1:0"), metrics, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        var a = mesh["A"];

        var before = await ScrapeAsync(mesh.Http, server.Address!);

        await MetricsTraffic.SendAsync(mesh);

        var after = await ScrapeAsync(mesh.Http, server.Address!);

        Assert.Equal(0, Value(before, "innerwarden_mesh_signals_received_total", "verdict=\"blocked_short_ttl\""));
        Assert.Equal(1, Value(after, "innerwarden_mesh_signals_received_total", "verdict=\"blocked_short_ttl\"", "reason=\"none\""));
        Assert.Equal(1, Value(after, "innerwarden_mesh_signals_received_total", "verdict=\"rejected\"", "reason=\"PrivateIp\""));
        Assert.Equal(1, Value(after, "innerwarden_mesh_local_detections_total", "detector=\"port_scan\""));
        Assert.Equal(2, Value(after, "innerwarden_mesh_blocks_applied_total"));
        Assert.Equal(1, Value(after, "innerwarden_mesh_staged_entries", "action=\"blocked_short_ttl\""));
        Assert.Equal(1, Value(after, "innerwarden_mesh_staged_entries", "action=\"blocked_full\""));
        Assert.True(Value(after, "innerwarden_mesh_enforcer_batch_seconds_count", "operation=\"apply\"") >= 1);
        Assert.Equal(0.85, Value(after, "innerwarden_mesh_peer_trust", $"peer=\"{a.NodeId[..16]}\""), 6);
    }

    [Fact]
    public async Task A_peer_configured_without_its_key_is_scraped_with_its_configured_label_once_discovery_learns_the_key()
    {
        var metrics = new MeshMetrics(new string('b', 64), "test");
        await using var mesh = await TestMesh.StartAsync(
            new TestNodeSpec("A"),
            new TestNodeSpec("B") { InitialTrust = 0.85, Metrics = metrics, PeerKeysUnknown = true });
        await using var server = new MetricsServer(new MetricsOptions(true, "127.0.0.1:0"), metrics, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        var a = mesh["A"];

        await TestMesh.WaitUntilAsync(() => mesh["B"].Node.Reputations.IsVouched(a.NodeId), "B resolves A's key by ping");
        var scrape = await ScrapeAsync(mesh.Http, server.Address!);

        // The config names A by endpoint and label only; the key came from A's ping.
        Assert.Equal(0.85, Value(scrape, "innerwarden_mesh_peer_trust", $"peer=\"{a.NodeId[..16]}\"", "peer_label=\"A\""), 6);
    }

    private static async Task<string> ScrapeAsync(HttpClient http, Uri address) =>
        await http.GetStringAsync(new Uri(address, "/metrics"));

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels contain all <paramref name="labels"/>; 0 when absent.</summary>
    private static double Value(string scrape, string name, params string[] labels)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = line[name.Length..];
            if (rest.Length > 0 && rest[0] != '{' && rest[0] != ' ')
            {
                continue; // a longer metric name with this prefix
            }
            if (labels.All(l => rest.Contains(l, StringComparison.Ordinal)))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
