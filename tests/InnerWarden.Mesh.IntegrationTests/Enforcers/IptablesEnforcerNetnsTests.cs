using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;
using InnerWarden.Mesh.Enforcers.Iptables;
using InnerWarden.Mesh.IntegrationTests.Netns;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.IntegrationTests.Enforcers;

/// <summary>The iptables + ipset enforcer against the real kernel, inside namespaces.</summary>
public sealed class IptablesEnforcerNetnsTests : EnforcerNetnsTests
{
    private protected override string[] Tools => ["iptables", "ip6tables", "ipset"];

    private protected override IFirewallEnforcer CreateEnforcer(ICommandRunner runner) =>
        new IptablesEnforcer(runner, NullLogger<IptablesEnforcer>.Instance);

    private protected override string RuleSnapshot(NetnsPair net) =>
        net.ExecInServer("iptables", "-S", "INPUT") + net.ExecInServer("ip6tables", "-S", "INPUT");
}
