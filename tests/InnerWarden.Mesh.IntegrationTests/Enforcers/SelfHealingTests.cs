using System.Diagnostics;
using System.Net;
using InnerWarden.Mesh.Enforcers.Iptables;
using InnerWarden.Mesh.Enforcers.Nftables;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.IntegrationTests.Netns;
using InnerWarden.Mesh.IntegrationTests.Persistence;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using InnerWarden.Mesh.IntegrationTests.Transport;

namespace InnerWarden.Mesh.IntegrationTests.Enforcers;

/// <summary>
/// "Staged means enforced" after someone else touched the firewall: the real agent process (poll_secs 1) in front of a
/// namespace the test creates; each external change is undone within one poll and logged once with the count.
/// </summary>
public sealed class SelfHealingTests : IDisposable
{
    private const int PollSecs = 1;
    private const string Table = NftablesOptions.DefaultTable;
    private readonly TempDirectory _dir = new();
    private readonly NodeIdentity _peer = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x52, NodeIdentity.SeedLength).ToArray());
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _http.Dispose();
        _peer.Dispose();
        _dir.Dispose();
    }

    [SkippableFact]
    public async Task Nftables_blocks_come_back_after_a_flushed_ruleset_a_deleted_table_set_element_or_rule()
    {
        using var net = NetnsPair.CreateOrSkip("nft");
        await using var agent = await StartAsync(net, "nftables");
        var ip = await BlockAsync(agent.Port, "185.240.0.1");
        bool Enforced() => Output(net, "nft", "list", "set", "inet", Table, NftScript.SetV4).Contains(ip, StringComparison.Ordinal)
            && Output(net, "nft", "list", "chain", "inet", Table, NftScript.Chain).Contains($"ip saddr @{NftScript.SetV4} drop", StringComparison.Ordinal);
        Assert.True(Enforced(), agent.Process.Output);

        await DamageAsync(agent, Enforced, "nft flush ruleset", () => net.ExecInServer("nft", "flush", "ruleset"), elements: true, rules: true);
        await DamageAsync(agent, Enforced, "nft delete table", () => net.ExecInServer("nft", "delete", "table", "inet", Table), elements: true, rules: true);
        await DamageAsync(agent, Enforced, "nft flush set", () => net.ExecInServer("nft", "flush", "set", "inet", Table, NftScript.SetV4), elements: true, rules: false);
        await DamageAsync(agent, Enforced, "nft flush chain (the drop rules)", () => net.ExecInServer("nft", "flush", "chain", "inet", Table, NftScript.Chain), elements: false, rules: true);
        // A set cannot be deleted while a rule refers to it: first the rules, then the set, as an operator cleaning up would.
        await DamageAsync(agent, Enforced, "nft delete set", () =>
        {
            net.ExecInServer("nft", "flush", "chain", "inet", Table, NftScript.Chain);
            net.ExecInServer("nft", "delete", "set", "inet", Table, NftScript.SetV4);
        }, elements: true, rules: true);
    }

    [SkippableFact]
    public async Task Iptables_blocks_come_back_after_iptables_F_and_ipset_destroy()
    {
        using var net = NetnsPair.CreateOrSkip("iptables", "ipset");
        await using var agent = await StartAsync(net, "iptables");
        var ip = await BlockAsync(agent.Port, "185.240.0.2");
        bool Enforced() => Succeeds(net, "ipset", "test", IpsetScript.SetV4, ip)
            && Succeeds(net, "iptables", "-w", "5", "-C", "INPUT", "-m", "set", "--match-set", IpsetScript.SetV4, "src", "-j", "DROP");
        Assert.True(Enforced(), agent.Process.Output);

        await DamageAsync(agent, Enforced, "iptables -F", () => net.ExecInServer("iptables", "-w", "5", "-F"), elements: false, rules: true);
        await DamageAsync(agent, Enforced, "iptables -F; ipset destroy", () =>
        {
            // The agent may heal its rules between the flush and the destroy (a set in use cannot be destroyed): each
            // such round is one more rule repair it logs, and the damage is done again, as an operator would.
            for (int round = 1; ; round++)
            {
                net.ExecInServer("iptables", "-w", "5", "-F");
                net.ExecInServer("ip6tables", "-w", "5", "-F");
                if (Succeeds(net, "ipset", "destroy") || round == 10)
                {
                    return round;
                }
            }
        }, elements: true, rules: true);
        await DamageAsync(agent, Enforced, "ipset flush", () => net.ExecInServer("ipset", "flush", IpsetScript.SetV4), elements: true, rules: false);
    }

    private async Task<RunningAgent> StartAsync(NetnsPair net, string enforcer)
    {
        int port = AgentProcess.FreePort();
        var config = AgentConfig.Write(_dir.Path, port, _peer.NodeId, enforcer, net.Server, PollSecs);
        var process = AgentProcess.Start("agent", "--config", config, "--data-dir", Path.Combine(_dir.Path, "data-" + enforcer));
        var agent = new RunningAgent(process, port);
        await process.WaitUntilServingAsync(_http, port);
        return agent;
    }

    private async Task<string> BlockAsync(int port, string ip)
    {
        var (status, body) = await AgentProcess.PostAsync(_http, port, TestMesh.Sign(_peer, ip, confidence: 0.95f));
        Assert.True(status == HttpStatusCode.OK && body.Contains("\"blocked_full\"", StringComparison.Ordinal), $"{status} {body}");
        return ip;
    }

    /// <summary>
    /// Breaks the firewall from outside, then expects it enforced again within one poll (plus the heal's own commands),
    /// and the repair logged once: the host's line with the count when the element was missing, the plugin's
    /// "drop rules added: True" when a rule was. The log lines also prove the damage happened (the heal can be faster
    /// than a check after the damage).
    /// </summary>
    private static Task DamageAsync(RunningAgent agent, Func<bool> enforced, string what, Action damage, bool elements, bool rules) =>
        DamageAsync(agent, enforced, what, () =>
        {
            damage();
            return 1;
        }, elements, rules);

    // damage returns how many rounds it took: every round but the last was healed (its rules) before it was complete.
    private static async Task DamageAsync(RunningAgent agent, Func<bool> enforced, string what, Func<int> damage, bool elements, bool rules)
    {
        var before = Repairs(agent.Process.Output);
        int rounds = damage();
        var expected = (before.Elements + (elements ? 1 : 0), before.Rules + (rules ? 1 : 0) + rounds - 1);
        var limit = TimeSpan.FromSeconds(PollSecs) + TimeSpan.FromSeconds(1);
        var clock = Stopwatch.StartNew();
        while (!(enforced() && Repairs(agent.Process.Output) == expected) && clock.Elapsed < limit)
        {
            await Task.Delay(20);
        }
        Assert.True(enforced(), $"not enforced {limit.TotalSeconds} s after {what}:\n{agent.Process.Output}");
        Assert.True(Repairs(agent.Process.Output) == expected, $"repairs {Repairs(agent.Process.Output)}, expected {expected} after {what}:\n{agent.Process.Output}");
        if (elements)
        {
            Assert.Contains("1 active blocks were missing from the firewall", agent.Process.Output, StringComparison.Ordinal);
        }
        await Task.Delay(TimeSpan.FromSeconds(PollSecs * 2));
        Assert.True(Repairs(agent.Process.Output) == expected, $"logged again after {what}:\n{agent.Process.Output}");
    }

    private static (int Elements, int Rules) Repairs(string output)
    {
        var lines = output.Split('\n');
        return (lines.Count(l => l.Contains("active blocks were missing from the firewall", StringComparison.Ordinal)),
            lines.Count(l => l.Contains("drop rules added: True", StringComparison.Ordinal)));
    }

    // What a command printed, or "" when it failed (the table or set is gone).
    private static string Output(NetnsPair net, string tool, params string[] args)
    {
        try
        {
            return net.ExecInServer(tool, args);
        }
        catch (InvalidOperationException)
        {
            return "";
        }
    }

    private static bool Succeeds(NetnsPair net, string tool, params string[] args)
    {
        try
        {
            net.ExecInServer(tool, args);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private sealed record RunningAgent(AgentProcess Process, int Port) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            Process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
