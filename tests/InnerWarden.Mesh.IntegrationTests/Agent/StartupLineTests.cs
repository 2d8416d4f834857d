using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.IntegrationTests.Netns;
using InnerWarden.Mesh.IntegrationTests.Persistence;
using InnerWarden.Mesh.IntegrationTests.Plugins;

namespace InnerWarden.Mesh.IntegrationTests.Agent;

/// <summary>
/// Issue 14 item 5: at the default level a starting agent writes one summary line (plugins, enforcer, listen address,
/// peers) and no framework lines. The real agent process with the packaged defaults apart from the bind, the data
/// dir and the namespace its nftables enforcer works in (the test's own, so the machine's firewall is untouched).
/// </summary>
public sealed class StartupLineTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    [SkippableFact]
    public async Task A_starting_agent_writes_one_summary_line_at_the_default_level()
    {
        using var net = NetnsPair.CreateOrSkip("nft");
        int port = AgentProcess.FreePort();
        var data = Path.Combine(_dir.Path, "data");
        var config = Path.Combine(_dir.Path, "mesh.yaml");
        // No log_level, no enforcer and no detectors: the packaged defaults (information, auto, none).
        File.WriteAllText(config, $"""
            enabled: true
            bind: "127.0.0.1:{port}"
            plugin_settings:
              nftables:
                netns: "{net.Server}"
            """ + "\n");

        using var agent = AgentProcess.Start("agent", "--config", config, "--data-dir", data);
        await agent.WaitUntilServingAsync(_http, port);
        // Lines written after the node served its first request would still be start-up (a late plugin line): wait a little.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(await agent.TerminateAsync(TimeSpan.FromSeconds(60)) == 0, agent.Output);

        var lines = agent.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var beforeStop = lines.TakeWhile(l => !l.Contains(" stopping", StringComparison.Ordinal)).ToList();
        var summary = Assert.Single(beforeStop);
        using var identity = NodeIdentity.LoadOrCreate(data);
        Assert.Contains($"mesh node {identity.NodeId} started: listening on http://127.0.0.1:{port}/", summary, StringComparison.Ordinal);
        Assert.Contains("enforcer nftables (auto)", summary, StringComparison.Ordinal);
        Assert.Contains("0 configured peers", summary, StringComparison.Ordinal);
        Assert.Contains("plugins: http ", summary, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("Microsoft.", StringComparison.Ordinal));
    }
}
