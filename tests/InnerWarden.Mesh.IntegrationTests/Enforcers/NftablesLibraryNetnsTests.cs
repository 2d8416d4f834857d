using System.Net;
using System.Text.Json.Nodes;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;
using InnerWarden.Mesh.Enforcers.Nftables;
using InnerWarden.Mesh.Enforcers.Nftables.Native;
using InnerWarden.Mesh.IntegrationTests.Netns;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.IntegrationTests.Enforcers;

/// <summary>
/// The nftables enforcer through libnftables in process, its thread inside the server namespace: every scenario of
/// <see cref="EnforcerNetnsTests"/>, and the same batches through both paths leave the same kernel state.
/// </summary>
public sealed class NftablesLibraryNetnsTests : EnforcerNetnsTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private protected override string[] Tools => ["nft"];

    private protected override IFirewallEnforcer CreateEnforcer(ICommandRunner runner) =>
        new NftablesEnforcer(NftablesOptions.Parse(new Dictionary<string, string>()), runner, NullLogger<NftablesEnforcer>.Instance);

    private protected override ICommandRunner CreateRunner(NetnsPair net)
    {
        Assert.True(LibNftables.IsAvailable(out var reason), reason);
        return new LibNftablesRunner(ProcessCommandRunner.DefaultTimeout, net.Server);
    }

    private protected override string RuleSnapshot(NetnsPair net) => net.ExecInServer("nft", "list", "chain", "inet", NftablesOptions.DefaultTable, "input");

    [SkippableFact]
    public async Task Library_and_process_leave_the_same_kernel_state_for_the_same_batches()
    {
        using var viaLibrary = Setup();
        using var viaProcess = Setup();
        var library = CreateEnforcer(CreateRunner(viaLibrary));
        var process = CreateEnforcer(new ProcessCommandRunner(ProcessCommandRunner.DefaultTimeout, viaProcess.Server));
        var v4 = Enumerable.Range(0, 2000).Select(i => new IPAddress([45, 10, (byte)(i / 256), (byte)(i % 256)])).ToList();
        var v6 = Enumerable.Range(0, 500).Select(i => IPAddress.Parse($"2a00:1450:4001:{i:x}::9")).ToList();

        foreach (var enforcer in new[] { library, process })
        {
            await enforcer.InitializeAsync(default);
            await enforcer.ApplyAsync([.. v4.Select(ip => new BlockRequest(ip, Hour)), .. v6.Select(ip => new BlockRequest(ip, Hour * 2))], default);
            // A refresh of some (new timeout), a revert of others, addresses never blocked, and IPv4-mapped IPv6.
            await enforcer.ApplyAsync([.. v4.Take(100).Select(ip => new BlockRequest(ip, Hour * 3)), new BlockRequest(NetnsPair.AttackerV4.MapToIPv6(), Hour)], default);
            await enforcer.RevertAsync([.. v4.Skip(1500), .. v6.Take(250), IPAddress.Parse("203.0.113.9")], default);
            await enforcer.ListAsync(default);
            // A second start over the existing table, as after a restart.
            await enforcer.InitializeAsync(default);
        }

        var fromLibrary = KernelState(viaLibrary);
        var fromProcess = KernelState(viaProcess);
        Assert.Equal(1500 + 1 + 250, fromLibrary.Elements.Count);
        Assert.Equal(fromProcess.Elements, fromLibrary.Elements);
        Assert.Equal(fromProcess.Rules, fromLibrary.Rules);
        Assert.Equal(
            (await process.ListAsync(default)).Select(b => b.Ip).Order(IpOrder.Instance),
            (await library.ListAsync(default)).Select(b => b.Ip).Order(IpOrder.Instance));
    }

    [SkippableFact]
    public async Task A_call_that_overruns_the_timeout_fails_and_the_next_one_runs_on_a_new_thread()
    {
        using var net = Setup();
        using var runner = new LibNftablesRunner(TimeSpan.FromMilliseconds(100), net.Server);
        // A call that takes long: 200,000 commands in one script keep libnftables parsing well past 0.1 s.
        var enforcer = CreateEnforcer(runner);
        await enforcer.InitializeAsync(default);

        var slow = string.Concat(Enumerable.Repeat("add element inet innerwarden_mesh blocked_v4 { 45.0.0.1 timeout 1h }\n", 200_000));
        var overrun = await Assert.ThrowsAsync<EnforcerException>(() => runner.RunAsync("nft", ["-f", "-"], slow, default));
        Assert.Contains("did not finish within 0.1s", overrun.Message, StringComparison.Ordinal);

        await enforcer.ApplyAsync([new BlockRequest(NetnsPair.AttackerV4, Hour)], default);
        Assert.Contains(NetnsPair.AttackerV4, (await enforcer.ListAsync(default)).Select(b => b.Ip));
    }

    // Elements with their timeouts (not what is left of them, which differs by the moment of listing) and the rules.
    private static (List<string> Elements, List<string> Rules) KernelState(NetnsPair net)
    {
        var table = JsonNode.Parse(net.ExecInServer("nft", "-j", "list", "table", "inet", NftablesOptions.DefaultTable))!["nftables"]!.AsArray();
        var elements = new List<string>();
        var rules = new List<string>();
        foreach (var item in table)
        {
            if (item?["set"] is { } set)
            {
                foreach (var element in set["elem"]?.AsArray() ?? [])
                {
                    var inner = element!["elem"] ?? element;
                    var value = inner["val"]?.ToJsonString() ?? inner.ToJsonString();
                    elements.Add($"{set["name"]} {value} timeout {inner["timeout"]}");
                }
            }
            if (item?["rule"] is { } rule)
            {
                rules.Add(rule["expr"]!.ToJsonString());
            }
        }
        elements.Sort(StringComparer.Ordinal);
        return (elements, rules);
    }

    private sealed class IpOrder : IComparer<IPAddress>
    {
        public static readonly IpOrder Instance = new();

        public int Compare(IPAddress? x, IPAddress? y) => string.CompareOrdinal(x?.ToString(), y?.ToString());
    }
}
