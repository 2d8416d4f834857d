using System.Net;

namespace InnerWarden.Mesh.Enforcers.WindowsFirewall;

/// <summary>The few Windows Firewall operations the enforcer needs; the seam between the planner and COM.</summary>
internal interface IWindowsFirewallApi
{
    /// <summary>Every rule whose name starts with <paramref name="prefix"/>.</summary>
    IReadOnlyList<FirewallRule> GetRules(string prefix);

    /// <summary>Creates or replaces an inbound block rule with exactly these remote addresses (never empty).</summary>
    void SetRule(string name, IReadOnlyList<IPAddress> addresses);

    /// <summary>Deletes the rule; a missing rule is no error.</summary>
    void DeleteRule(string name);
}
