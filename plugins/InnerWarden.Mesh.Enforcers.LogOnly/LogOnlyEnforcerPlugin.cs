using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Enforcers.LogOnly;

/// <summary>The <c>log-only</c> enforcer: records what it would block, touches no firewall.</summary>
[MeshPlugin(PluginKind.Enforcer, "log-only", MeshAbi.Version, AutoPriority = 1)]
public sealed class LogOnlyEnforcerPlugin : IMeshPlugin
{
    /// <inheritdoc />
    /// <remarks>None: any key under its <c>plugin_settings</c> section is refused.</remarks>
    public IReadOnlyList<PluginSettingDefinition> Settings => [];

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context) =>
        services.AddSingleton<IFirewallEnforcer>(sp => new LogOnlyEnforcer(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<LogOnlyEnforcer>>()));
}
