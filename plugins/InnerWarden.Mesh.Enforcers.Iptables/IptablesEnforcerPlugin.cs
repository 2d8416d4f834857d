using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Enforcers.Commands;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Enforcers.Iptables;

/// <summary>The <c>iptables</c> enforcer: ipset sets with kernel-side timeouts, one iptables/ip6tables rule per family.</summary>
[MeshPlugin(PluginKind.Enforcer, "iptables", MeshAbi.Version, SupportedOS = "linux", AutoPriority = 100)]
public sealed class IptablesEnforcerPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => EnforcerSettings.Definitions;

    /// <inheritdoc />
    public IReadOnlyList<PluginSettingProblem> CheckSettings(PluginSettingValues values) => EnforcerSettings.Check(values);

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Parsed here so a bad setting fails at start-up, naming the key, before anything is registered.
        var settings = EnforcerSettings.Parse("iptables", context.Settings);
        services.AddSingleton<IFirewallEnforcer>(sp => new IptablesEnforcer(
            settings.CreateRunner(), sp.GetRequiredService<ILogger<IptablesEnforcer>>()));
    }
}
