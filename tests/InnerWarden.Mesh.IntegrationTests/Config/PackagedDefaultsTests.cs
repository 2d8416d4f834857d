using System.Globalization;
using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Cli;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Plugins;
using InnerWarden.Mesh.IntegrationTests.Ownership;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using InnerWarden.Mesh.IntegrationTests.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.IntegrationTests.Config;

/// <summary>
/// Issue 14 item 2: two servers set up as the quick start says (the packaged mesh.yaml, `mesh enable`, `mesh add-peer
/// URL --public-key`) protect each other with no tuning: the seed's story with the seed's numbers, from real sshd
/// log lines through real HTTP between two nodes.
/// </summary>
public sealed class PackagedDefaultsTests : IDisposable
{
    private const string Attacker = "185.220.1.7";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Two_nodes_configured_by_the_quick_start_block_what_a_vouched_peer_reports_with_the_seeds_numbers()
    {
        string[] names = ["a", "b"];
        var ports = names.Select(_ => OperatorMachine.FreePort()).ToArray();
        var ids = new string[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            Directory.CreateDirectory(Path.Combine(_dir.Path, names[i]));
            // The packaged file as installed; its plugins sit beside the installed executable, this build's elsewhere.
            var packaged = await File.ReadAllTextAsync(RepositoryRoot.Combine("packaging", "mesh.yaml"));
            const string PluginLine = "  #directory: \"/usr/lib/innerwarden/plugins\"\n";
            Assert.Contains(PluginLine, packaged, StringComparison.Ordinal);
            await File.WriteAllTextAsync(ConfigOf(names[i]), packaged.Replace(PluginLine, $"  directory: \"{PluginFolders.HostPlugins()}\"\n", StringComparison.Ordinal));
            using var identity = NodeIdentity.LoadOrCreate(DataOf(names[i]));
            ids[i] = identity.NodeId;
        }
        for (var i = 0; i < names.Length; i++)
        {
            var other = 1 - i;
            await CliAsync(names[i], "mesh", "enable");
            await CliAsync(names[i], "mesh", "add-peer", $"http://127.0.0.1:{ports[other]}", "--public-key", ids[other], "--label", "node-" + names[other]);
        }

        var cache = new PluginCatalogCache();
        var nodes = new List<(ComposedNode Composed, MeshNode Node)>();
        try
        {
            for (var i = 0; i < names.Length; i++)
            {
                var written = MeshConfigLoader.Load(ConfigOf(names[i]));
                Assert.True(written.Enabled);
                Assert.Equal(0.85, written.InitialTrust);
                Assert.Equal(new PluginSelection("http", "tit-for-tat", "threshold", "auto", written.Plugins.Detectors), written.Plugins);
                Assert.Empty(written.PluginSettings);
                // What a test process must change, and only that: log-only, because the
                // firewall of the machine running the tests is not the test's (tests/netns runs nftables for real);
                // sshd with a log file of the test's, because `mesh enable` selects it only on a host with an sshd log.
                var config = written with
                {
                    Plugins = written.Plugins with { Enforcer = PluginSelection.LogOnly, Detectors = ["sshd"] },
                    PluginSettings = new Dictionary<string, IReadOnlyDictionary<string, string>>
                    {
                        ["sshd"] = new Dictionary<string, string> { ["log_path"] = AuthLogOf(names[i]) },
                    },
                };
                await File.WriteAllTextAsync(AuthLogOf(names[i]), "");
                var composed = NodeComposer.Compose(config, DataOf(names[i]),
                    new NodeCompositionOptions(TimeProvider.System, NullLoggerFactory.Instance, $"127.0.0.1:{ports[i]}", cache));
#pragma warning disable CA2000 // Disposed in the finally below.
                nodes.Add((composed, new MeshNode(composed.Parts)));
#pragma warning restore CA2000
            }
            foreach (var (_, node) in nodes)
            {
                await node.StartAsync(CancellationToken.None);
            }
            var (a, b) = (nodes[0].Node, nodes[1].Node);

            // 1. A's sshd sees a brute force: 5 failed logins within 5 minutes (the detector's defaults).
            await FailLoginsUntilAsync("a", () => Entry(a) is not null, "A's sshd detector blocks the attacker");
            await TestMesh.WaitUntilAsync(() => Entry(b) is not null, "B stages the attacker from A's signal");

            var staged = Entry(b)!;
            Assert.Equal(SignalAction.BlockedShortTtl, staged.Action);
            Assert.Equal(0.85 * 0.92, staged.Score, 3); // trust 0.85 x confidence 0.92 = 0.78, the seed's numbers
            Assert.InRange((staged.ExpiresAt - staged.StagedAt).TotalHours, 0.99, 1.01);
            Assert.Equal(ids[0], Assert.Single(staged.Contributors));
            Assert.Equal(SignalAction.BlockedFull, Entry(a)!.Action);

            // 2. B later sees the attacker on its own SSH: confirmed, trust in A grows, the block becomes 24 h.
            await FailLoginsUntilAsync("b", () => Entry(b) is { Confirmed: true }, "B confirms the attacker itself");

            var confirmed = Entry(b)!;
            Assert.Equal(SignalAction.BlockedFull, confirmed.Action);
            Assert.InRange((confirmed.ExpiresAt - DateTimeOffset.UtcNow).TotalHours, 23.9, 24.01);
            Assert.Equal(0.90, b.Snapshot().Reputations.Single(r => r.NodeId == ids[0]).Trust, 6);
        }
        finally
        {
            foreach (var (composed, node) in nodes)
            {
                await node.DisposeAsync();
                await composed.DisposeAsync();
            }
        }
    }

    private string ConfigOf(string node) => Path.Combine(_dir.Path, node, "mesh.yaml");

    private string DataOf(string node) => Path.Combine(_dir.Path, node, "data");

    private string AuthLogOf(string node) => Path.Combine(_dir.Path, node, "auth.log");

    private static StagedEntry? Entry(MeshNode node) => node.Snapshot().Staged.FirstOrDefault(e => e.Ip.Equals(IPAddress.Parse(Attacker)));

    // One failed login every 100 ms, as a brute force goes on, until the node has reacted: the detector follows the log
    // from its end (start_at: end) from a moment after StartAsync returns, so lines written at once could precede it.
    private async Task FailLoginsUntilAsync(string node, Func<bool> reacted, string what)
    {
        for (var i = 0; i < 100 && !reacted(); i++)
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.ffffff}+00:00 {node} sshd[{1000 + i}]: Failed password for root from {Attacker} port {40000 + i} ssh2");
            await File.AppendAllLinesAsync(AuthLogOf(node), [line]);
            await Task.Delay(100);
        }
        await TestMesh.WaitUntilAsync(reacted, what);
    }

    private async Task CliAsync(string node, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await MeshCli.RunAsync(["--config", ConfigOf(node), "--data-dir", DataOf(node), .. args], stdout, stderr);
        Assert.True(exit == 0, $"innerwarden {string.Join(' ', args)}: exit {exit}\n{stdout}\n{stderr}");
    }
}
