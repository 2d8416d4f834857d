using System.Text.Json;
using System.Text.RegularExpressions;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Host.Metrics;
using InnerWarden.Mesh.IntegrationTests.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.IntegrationTests.Metrics;

/// <summary>
/// packaging/grafana/innerwarden-mesh.json against a live node's scrape: every metric and every label its PromQL
/// uses must exist, so a renamed metric or label cannot leave the dashboard silently empty.
/// </summary>
public sealed partial class GrafanaDashboardTests
{
    // Labels Prometheus adds to every scraped series itself (the node has no node label; see the README).
    private static readonly string[] ScrapeTargetLabels = ["instance", "job"];

    [Fact]
    public async Task Every_metric_and_label_the_dashboard_queries_exists_in_a_live_scrape()
    {
        var exprs = DashboardExpressions();
        Assert.True(exprs.Count >= 10, $"expected the dashboard's queries, found {exprs.Count}");

        var scrape = await ScrapeWithTrafficAsync();
        var series = ParseSeries(scrape);

        var missing = new List<string>();
        foreach (var (where, expr, legend) in exprs)
        {
            var metrics = MetricName().Matches(expr).Select(m => m.Value).Distinct().ToList();
            // One metric per query, so each label below belongs to exactly that metric.
            Assert.True(metrics.Count == 1, $"{where}: expected one innerwarden_mesh_ metric in '{expr}', found {metrics.Count}");
            var metric = metrics[0];
            if (!series.TryGetValue(metric, out var labels))
            {
                missing.Add($"{where}: metric {metric} is not in the scrape");
                continue;
            }
            foreach (var label in LabelsUsed(expr, legend).Except(ScrapeTargetLabels))
            {
                if (!labels.Contains(label))
                {
                    missing.Add($"{where}: {metric} has no label '{label}' in the scrape (it has: {string.Join(", ", labels.Order(StringComparer.Ordinal))})");
                }
            }
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void The_dashboard_covers_every_documented_concern_and_uses_its_datasource_variable()
    {
        var exprs = DashboardExpressions();
        var used = exprs.SelectMany(e => MetricName().Matches(e.Expr).Select(m => m.Value)).ToHashSet();
        string[] required =
        [
            "innerwarden_mesh_signals_received_total", "innerwarden_mesh_peer_trust", "innerwarden_mesh_staged_entries",
            "innerwarden_mesh_blocks_applied_total", "innerwarden_mesh_blocks_reverted_total", "innerwarden_mesh_enforcer_batch_seconds_bucket",
            "innerwarden_mesh_signal_delivery_failures_total", "innerwarden_mesh_peer_circuit_state", "innerwarden_mesh_local_detections_total",
        ];
        Assert.Empty(required.Except(used));
        using var doc = JsonDocument.Parse(File.ReadAllText(DashboardPath()));
        foreach (var panel in doc.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row"))
        {
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
        }
        // Every panel follows the node picker.
        Assert.All(exprs.Where(e => e.Where.StartsWith("panel", StringComparison.Ordinal)),
            e => Assert.Contains("instance=~\"$instance\"", e.Expr, StringComparison.Ordinal));
    }

    /// <summary>
    /// Node B of a two-node mesh, with an extra configured peer that never answers, after: A's signal (staged
    /// short), a signal for a private address (rejected), B's own detection (staged full, broadcast to A and to
    /// the dead peer, whose deliveries fail). That makes every labelled series the dashboard reads exist.
    /// </summary>
    private static async Task<string> ScrapeWithTrafficAsync()
    {
        var metrics = new MeshMetrics(new string('b', 64), "test");
        var deadPeer = new PeerInfo(new Uri("http://127.0.0.1:9/"), null, "dead");
        await using var mesh = await TestMesh.StartAsync(
            new TestNodeSpec("A"),
            new TestNodeSpec("B") { InitialTrust = 0.85, Metrics = metrics, ExtraPeers = [deadPeer] });
        await using var server = new MetricsServer(new MetricsOptions(true, "127.0.0.1:0"), metrics, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        await MetricsTraffic.SendAsync(mesh);

        var scrape = "";
        var deadline = DateTime.UtcNow + TestMesh.DeliveryLimit;
        while (DateTime.UtcNow < deadline)
        {
            scrape = await mesh.Http.GetStringAsync(new Uri(server.Address!, "/metrics"));
            if (scrape.Contains("innerwarden_mesh_signal_delivery_failures_total{", StringComparison.Ordinal)
                && scrape.Contains("innerwarden_mesh_signals_sent_total{", StringComparison.Ordinal))
            {
                return scrape;
            }
            await Task.Delay(100);
        }
        Assert.Fail("B's scrape never showed a delivery to A and a failed delivery to the dead peer:\n" + scrape);
        return scrape;
    }

    /// <summary>Every sample name in a text-format scrape with the label names its samples carry.</summary>
    private static Dictionary<string, HashSet<string>> ParseSeries(string scrape)
    {
        var series = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in scrape.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var labels = series.TryGetValue(match.Groups["name"].Value, out var known) ? known : series[match.Groups["name"].Value] = [];
            foreach (Match label in ScrapedLabel().Matches(match.Groups["labels"].Value))
            {
                labels.Add(label.Groups[1].Value);
            }
        }
        return series;
    }

    /// <summary>Label names a query groups by, matches on, or shows in its legend.</summary>
    private static IEnumerable<string> LabelsUsed(string expr, string? legend)
    {
        foreach (Match grouping in Grouping().Matches(expr))
        {
            foreach (var name in grouping.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                yield return name;
            }
        }
        foreach (Match selector in Selector().Matches(expr))
        {
            foreach (Match matcher in Matcher().Matches(selector.Groups[1].Value))
            {
                yield return matcher.Groups[1].Value;
            }
        }
        foreach (Match shown in LegendLabel().Matches(legend ?? ""))
        {
            yield return shown.Groups[1].Value;
        }
    }

    /// <summary>Every query of the dashboard: panel targets and query variables, with where they are and their legend.</summary>
    private static List<(string Where, string Expr, string? Legend)> DashboardExpressions()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DashboardPath()));
        var root = doc.RootElement;
        var found = new List<(string, string, string?)>();
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
        {
            if (!panel.TryGetProperty("targets", out var targets))
            {
                continue;
            }
            foreach (var target in targets.EnumerateArray())
            {
                var legend = target.TryGetProperty("legendFormat", out var l) ? l.GetString() : null;
                found.Add(($"panel '{panel.GetProperty("title").GetString()}'", target.GetProperty("expr").GetString()!, legend));
            }
        }
        foreach (var variable in root.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.GetProperty("type").GetString() == "query")
            {
                found.Add(($"variable '{variable.GetProperty("name").GetString()}'", variable.GetProperty("definition").GetString()!, null));
            }
        }
        return found;
    }

    private static string DashboardPath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "grafana", "innerwarden-mesh.json");
        Assert.True(File.Exists(path), $"the dashboard is not copied to {path}");
        return path;
    }

    [GeneratedRegex(@"innerwarden_mesh_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? \S+( \d+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""(?:[^""\\]|\\.)*""")]
    private static partial Regex ScrapedLabel();

    [GeneratedRegex(@"\b(?:by|without)\s*\(([^)]*)\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"innerwarden_mesh_[a-z0-9_]+\{([^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex Matcher();

    [GeneratedRegex(@"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")]
    private static partial Regex LegendLabel();
}
