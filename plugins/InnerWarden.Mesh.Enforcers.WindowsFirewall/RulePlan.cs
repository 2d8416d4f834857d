using System.Net;

namespace InnerWarden.Mesh.Enforcers.WindowsFirewall;

/// <summary>What to change in the firewall: rules to write (create or update) with their full address lists, rules to delete.</summary>
internal sealed record RulePlan(IReadOnlyList<FirewallRule> Set, IReadOnlyList<string> Delete)
{
    public bool IsEmpty => Set.Count == 0 && Delete.Count == 0;

    public static IReadOnlyList<IPAddress> NoAddresses { get; } = [];
}
