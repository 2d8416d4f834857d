using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;
using InnerWarden.Mesh.Enforcers.Nftables;
using InnerWarden.Mesh.IntegrationTests.Netns;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.IntegrationTests.Enforcers;

/// <summary>The nftables enforcer against the real kernel, inside namespaces.</summary>
public sealed class NftablesEnforcerNetnsTests : EnforcerNetnsTests
{
    private protected override string[] Tools => ["nft"];

    private protected override IFirewallEnforcer CreateEnforcer(ICommandRunner runner) =>
        new NftablesEnforcer(NftablesOptions.Parse(new Dictionary<string, string>()), runner, NullLogger<NftablesEnforcer>.Instance);

    private protected override string RuleSnapshot(NetnsPair net) => net.ExecInServer("nft", "list", "chain", "inet", NftablesOptions.DefaultTable, "input");

    [SkippableFact]
    public async Task Initialize_leaves_foreign_tables_alone()
    {
        using var net = Setup();
        net.ExecInServer("nft", "add", "table", "inet", "someone_else");
        net.ExecInServer("nft", "add", "chain", "inet", "someone_else", "c", "{ type filter hook input priority 0; policy accept; }");
        net.ExecInServer("nft", "add", "rule", "inet", "someone_else", "c", "tcp", "dport", "22", "accept");
        var foreign = net.ExecInServer("nft", "list", "table", "inet", "someone_else");

        var enforcer = CreateEnforcer(new ProcessCommandRunner(ProcessCommandRunner.DefaultTimeout, net.Server));
        await enforcer.InitializeAsync(default);
        await enforcer.ApplyAsync([new BlockRequest(NetnsPair.AttackerV4, TimeSpan.FromHours(1))], default);

        Assert.Equal(foreign, net.ExecInServer("nft", "list", "table", "inet", "someone_else"));
    }
}
