using System.Text.RegularExpressions;

namespace InnerWarden.Mesh.IntegrationTests.Diagnostics;

/// <summary>
/// The registry of log EventId ranges, one per component (issue 11 item 3): an operator filtering the journal by id
/// (`journalctl ... | grep '\[3802\]'`) gets one kind of line. Every <c>EventId = N</c> in the host and the plugins
/// must lie in its component's range, and no number may be used twice. A new component takes a free range here.
/// </summary>
public sealed partial class EventIdRegistryTests
{
    // Path prefix (from the repository root) -> the ids its log lines may use. Most specific prefix wins.
    private static readonly (string Prefix, int First, int Last)[] Ranges =
    [
        ("host/InnerWarden.Mesh.Host/Plugins/", 1000, 1099),
        ("host/InnerWarden.Mesh.Host/Agent/MeshNodeService.cs", 1100, 1199),
        ("host/InnerWarden.Mesh.Host/Pipeline/", 3000, 3099),
        ("plugins/InnerWarden.Mesh.Transport.Http/", 3100, 3149),
        ("plugins/InnerWarden.Mesh.Transport.Nats/", 3150, 3199),
        ("host/InnerWarden.Mesh.Host/Staging/", 3200, 3299),
        ("host/InnerWarden.Mesh.Host/Enforcement/EnforcementQueue.cs", 3300, 3399),
        ("host/InnerWarden.Mesh.Host/Persistence/", 3400, 3499),
        ("host/InnerWarden.Mesh.Host/Audit/", 3500, 3599),
        ("host/InnerWarden.Mesh.Host/Agent/", 3600, 3699),
        ("host/InnerWarden.Mesh.Host/Broadcast/", 3700, 3799),
        ("host/InnerWarden.Mesh.Host/Peers/", 3800, 3899),
        ("plugins/InnerWarden.Mesh.Enforcers.LogOnly/", 4000, 4099),
        ("plugins/InnerWarden.Mesh.Enforcers.Nftables/", 4100, 4199),
        ("plugins/InnerWarden.Mesh.Enforcers.Iptables/", 4200, 4299),
        ("plugins/InnerWarden.Mesh.Enforcers.WindowsFirewall/", 4300, 4399),
        ("host/InnerWarden.Mesh.Host/Enforcement/EnforcerSelector.cs", 4400, 4499),
        ("plugins/InnerWarden.Mesh.Detectors.Sshd/", 6000, 6099),
        ("plugins/InnerWarden.Mesh.Detectors.InnerWardenIncidents/", 6100, 6199),
        ("plugins/InnerWarden.Mesh.Detectors.LocalReport/", 6200, 6299),
        ("plugins/Shared/InnerWarden.Mesh.Detectors.Files/", 6900, 6999),
        ("host/InnerWarden.Mesh.Host/Metrics/", 7000, 7199),
    ];

    [Fact]
    public void Every_log_event_id_is_in_its_components_range_and_used_once()
    {
        var uses = new List<(int Id, string File)>();
        foreach (var root in new[] { "host", "plugins" })
        {
            foreach (var file in Directory.EnumerateFiles(RepositoryRoot.Combine(root), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/');
                if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
                {
                    continue;
                }
                foreach (Match m in EventIdPattern().Matches(File.ReadAllText(file)))
                {
                    uses.Add((int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), relative));
                }
            }
        }
        Assert.True(uses.Count > 100, $"only {uses.Count} event ids found: the pattern or the folders are wrong");

        var outOfRange = uses.Where(u => RangeOf(u.File) is not { } r || u.Id < r.First || u.Id > r.Last)
            .Select(u => $"{u.File}: {u.Id} (allowed: {(RangeOf(u.File) is { } r ? $"{r.First}-{r.Last}" : "no range registered")})").ToList();
        var twice = uses.GroupBy(u => u.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(u => u.File))}").ToList();

        Assert.True(outOfRange.Count == 0, "event ids outside their component's range:\n" + string.Join('\n', outOfRange));
        Assert.True(twice.Count == 0, "event ids used twice:\n" + string.Join('\n', twice));
    }

    [Fact]
    public void The_registered_ranges_do_not_overlap()
    {
        var sorted = Ranges.OrderBy(r => r.First).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            Assert.True(sorted[i].First > sorted[i - 1].Last, $"{sorted[i - 1].Prefix} and {sorted[i].Prefix} overlap");
        }
    }

    private static (int First, int Last)? RangeOf(string file) =>
        Ranges.Where(r => file.StartsWith(r.Prefix, StringComparison.Ordinal)).OrderByDescending(r => r.Prefix.Length)
            .Select(r => ((int, int)?)(r.First, r.Last)).FirstOrDefault();

    [GeneratedRegex(@"EventId\s*=\s*(\d+)")]
    private static partial Regex EventIdPattern();
}
