using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Trust;
using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Trust.Bayesian;

/// <summary>The <c>bayesian</c> trust policy: a Beta reputation that converges on a peer's real accuracy.</summary>
[MeshPlugin(PluginKind.Trust, "bayesian", MeshAbi.Version)]
public sealed class BayesianTrustPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => BayesianOptions.Definitions;

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        // Parsed here, at registration, so a bad setting stops the node at start with the setting's name.
        var options = BayesianOptions.Parse(context.Name, context.Settings);
        services.AddSingleton<ITrustPolicy>(new BayesianPolicy(options));
    }
}
