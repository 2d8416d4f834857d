using System.Net;
using System.Runtime.Versioning;
using InnerWarden.Mesh.Contracts.Enforcement;

namespace InnerWarden.Mesh.Enforcers.WindowsFirewall;

/// <summary>
/// The Windows Firewall through its COM API (INetFwPolicy2, as IPBan uses it), late-bound with dynamic so the
/// plugin builds on every platform without interop assemblies.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class ComWindowsFirewallApi : IWindowsFirewallApi
{
    // NET_FW_RULE_DIRECTION_IN, NET_FW_ACTION_BLOCK, NET_FW_IP_PROTOCOL_ANY, NET_FW_PROFILE2_ALL.
    private const int DirectionIn = 1;
    private const int ActionBlock = 0;
    private const int ProtocolAny = 256;
    private const int AllProfiles = 0x7FFFFFFF;
    private const string Grouping = "InnerWarden.Mesh";

    private readonly dynamic _policy;

    public ComWindowsFirewallApi()
    {
        var type = Type.GetTypeFromProgID("HNetCfg.FwPolicy2")
            ?? throw new EnforcerException("COM class HNetCfg.FwPolicy2 (Windows Firewall) is not registered on this machine");
        _policy = Activator.CreateInstance(type)
            ?? throw new EnforcerException("COM class HNetCfg.FwPolicy2 could not be created");
    }

    public IReadOnlyList<FirewallRule> GetRules(string prefix)
    {
        var result = new List<FirewallRule>();
        foreach (var rule in _policy.Rules)
        {
            string name = rule.Name ?? "";
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                result.Add(new FirewallRule(name, RemoteAddressList.Parse((string?)rule.RemoteAddresses)));
            }
        }
        return result;
    }

    public void SetRule(string name, IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            // An empty RemoteAddresses means "any": this rule would cut the machine off.
            throw new ArgumentException($"rule {name}: refusing to write a block rule without addresses", nameof(addresses));
        }
        var list = RemoteAddressList.Format(addresses);
        dynamic? existing = Find(name);
        if (existing is not null)
        {
            existing.RemoteAddresses = list;
            return;
        }
        var type = Type.GetTypeFromProgID("HNetCfg.FWRule")
            ?? throw new EnforcerException("COM class HNetCfg.FWRule (Windows Firewall) is not registered on this machine");
        dynamic rule = Activator.CreateInstance(type)
            ?? throw new EnforcerException("COM class HNetCfg.FWRule could not be created");
        rule.Name = name;
        rule.Description = "Addresses blocked by InnerWarden.Mesh; managed automatically, entries expire.";
        rule.Grouping = Grouping;
        rule.Direction = DirectionIn;
        rule.Action = ActionBlock;
        rule.Protocol = ProtocolAny;
        rule.Profiles = AllProfiles;
        rule.RemoteAddresses = list;
        rule.Enabled = true;
        _policy.Rules.Add(rule);
    }

    public void DeleteRule(string name)
    {
        if (Find(name) is not null)
        {
            _policy.Rules.Remove(name);
        }
    }

    private dynamic? Find(string name)
    {
        foreach (var rule in _policy.Rules)
        {
            if ((string?)rule.Name == name)
            {
                return rule;
            }
        }
        return null;
    }
}
