using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Enforcers.Nftables.Native;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Enforcers.Nftables;

/// <summary>The <c>nftables</c> enforcer: blocks in a table of its own (<c>inet innerwarden_mesh</c>) with kernel-side timeouts.</summary>
[MeshPlugin(PluginKind.Enforcer, "nftables", MeshAbi.Version, SupportedOS = "linux", AutoPriority = 200)]
public sealed class NftablesEnforcerPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => NftablesOptions.Definitions;

    /// <inheritdoc />
    public IReadOnlyList<PluginSettingProblem> CheckSettings(PluginSettingValues values) => NftablesOptions.Check(values);

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Parsed here so a bad setting fails at start-up, naming the key, before anything is registered.
        var options = NftablesOptions.Parse(context.Settings);
        services.AddSingleton<IFirewallEnforcer>(sp =>
        {
            var logger = sp.GetRequiredService<ILogger<NftablesEnforcer>>();
            return new NftablesEnforcer(options, NftRunner.Create(options.Common, logger), logger, sp.GetService<TimeProvider>());
        });
    }
}
