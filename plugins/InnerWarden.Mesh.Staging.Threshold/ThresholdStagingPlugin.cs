using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Staging;
using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Staging.Threshold;

/// <summary>The <c>threshold</c> staging pool: the seed's score table, bounded by <c>max_staged</c>.</summary>
[MeshPlugin(PluginKind.Staging, "threshold", MeshAbi.Version)]
public sealed class ThresholdStagingPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => ThresholdOptions.Definitions;

    /// <inheritdoc />
    public IReadOnlyList<PluginSettingProblem> CheckSettings(PluginSettingValues values) => ThresholdOptions.Check(values);

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        // Parsed here, at registration, so a bad setting stops the node at start with the setting's name.
        var options = ThresholdOptions.Parse(context.Name, context.Settings, context.Node.MaxStaged);
        services.AddSingleton<IStagingPool>(new ThresholdStagingPool(options));
    }
}
