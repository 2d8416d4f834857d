using System.Globalization;
using System.Net;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Enforcers.Nftables;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.IntegrationTests.Netns;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using InnerWarden.Mesh.IntegrationTests.Transport;

namespace InnerWarden.Mesh.IntegrationTests.Persistence;

/// <summary>
/// "Acknowledged means durable": the real agent process, real HTTP on loopback, the nftables enforcer in a namespace
/// the test creates, killed with SIGKILL at a random moment after each acknowledged block.
/// </summary>
public sealed class KillNineTests : IDisposable
{
    private const int Iterations = 30;
    private readonly TempDirectory _dir = new();
    private readonly NodeIdentity _peer = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x51, NodeIdentity.SeedLength).ToArray());
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _http.Dispose();
        _peer.Dispose();
        _dir.Dispose();
    }

    [SkippableFact]
    public async Task Every_acknowledged_block_survives_kill_9_in_the_database_and_the_kernel_and_a_replay_is_a_duplicate()
    {
        var reason = NetnsPair.SkipReason();
        Skip.If(reason is not null, reason);
        Skip.If(NetnsPair.FindTool("nft") is null, "nft is not installed");
        using var net = NetnsPair.Create();
        int port = AgentProcess.FreePort();
        var data = Path.Combine(_dir.Path, "data");
        var config = AgentConfig.Write(_dir.Path, port, _peer.NodeId, "nftables", net.Server);
        var acknowledged = new List<(string Ip, ThreatSignal Signal)>();
        var random = new Random(12);

        for (int i = 0; i < Iterations; i++)
        {
            using var agent = AgentProcess.Start("agent", "--config", config, "--data-dir", data);
            await agent.WaitUntilServingAsync(_http, port);
            // Serving means restored and reconciled: every block acknowledged so far is in the kernel again, although
            // the set was emptied while the agent was down (the kernel keeps elements across a crash; the db must).
            var kernel = KernelSet(net);
            var missing = acknowledged.Where(a => !kernel.Contains(a.Ip)).Select(a => a.Ip).ToList();
            Assert.True(missing.Count == 0, $"iteration {i}: acknowledged but not in the kernel after restart: {string.Join(", ", missing)}\n{agent.Output}");

            var ip = string.Create(CultureInfo.InvariantCulture, $"185.230.{i / 200}.{(i % 200) + 1}");
            var signal = TestMesh.Sign(_peer, ip, confidence: 0.95f);
            var (status, body) = await PostAsync(port, signal);
            Assert.True(status == HttpStatusCode.OK, $"{status} {body}");
            Assert.Contains("\"blocked_full\"", body, StringComparison.Ordinal);
            // Staged means enforced: the reply came after the kernel had it.
            Assert.Contains(ip, KernelSet(net));
            acknowledged.Add((ip, signal));
            await Task.Delay(random.Next(0, 500));
            agent.Kill9();
            net.ExecInServer("nft", "flush", "set", "inet", NftablesOptions.DefaultTable, NftScript.SetV4);
        }

        using (var last = AgentProcess.Start("agent", "--config", config, "--data-dir", data))
        {
            await last.WaitUntilServingAsync(_http, port);
            Assert.Equal(acknowledged.Select(a => a.Ip).Order(StringComparer.Ordinal), KernelSet(net).Order(StringComparer.Ordinal));
            var (listed, listError) = await CliBlocksAsync(config, data);
            Assert.True(listError.Length == 0, listError);
            Assert.Equal(acknowledged.Select(a => a.Ip).Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));

            // A replay of an accepted signal after the restarts: a duplicate, and no counter moves.
            var before = StoredReputation.Read(data, _peer.NodeId);
            var (status, body) = await PostAsync(port, acknowledged[^1].Signal);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("\"duplicate\"", body, StringComparison.Ordinal);
            Assert.Equal(before, StoredReputation.Read(data, _peer.NodeId));
            Assert.Equal(Iterations, before.SignalsReceived);
        }
    }

    private Task<(HttpStatusCode Status, string Body)> PostAsync(int port, ThreatSignal signal) => AgentProcess.PostAsync(_http, port, signal);

    private static HashSet<string> KernelSet(NetnsPair net)
    {
        var json = net.ExecInServer("nft", "-j", "list", "set", "inet", NftablesOptions.DefaultTable, NftScript.SetV4);
        var found = new HashSet<string>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var item in doc.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("set", out var set) && set.TryGetProperty("elem", out var elems))
            {
                foreach (var elem in elems.EnumerateArray())
                {
                    found.Add(elem.ValueKind == JsonValueKind.String ? elem.GetString()! : elem.GetProperty("elem").GetProperty("val").GetString()!);
                }
            }
        }
        return found;
    }

    private static async Task<(List<string> Ips, string Error)> CliBlocksAsync(string config, string data)
    {
        using var cli = AgentProcess.Start("mesh", "blocks", "--json", "--config", config, "--data-dir", data);
        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var output = cli.Output;
        var start = output.IndexOf('[', StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(output[start..]);
        return ([.. doc.RootElement.EnumerateArray().Select(e => e.GetProperty("ip").GetString()!)], "");
    }
}
