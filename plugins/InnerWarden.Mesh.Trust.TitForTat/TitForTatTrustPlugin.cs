using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Trust;
using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Trust.TitForTat;

/// <summary>The <c>tit-for-tat</c> trust policy: the seed's fixed steps (start 0.1, +0.05 confirmed, -0.15 contradicted).</summary>
[MeshPlugin(PluginKind.Trust, "tit-for-tat", MeshAbi.Version)]
public sealed class TitForTatTrustPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => TitForTatOptions.Definitions;

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        // Parsed here, at registration, so a bad setting stops the node at start with the setting's name.
        var options = TitForTatOptions.Parse(context.Name, context.Settings);
        services.AddSingleton<ITrustPolicy>(new TitForTatPolicy(options));
    }
}
