using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Detectors.InnerWardenIncidents;

/// <summary>The <c>innerwarden-incidents</c> detector: attacker addresses from Inner Warden's incident files.</summary>
[MeshPlugin(PluginKind.Detector, "innerwarden-incidents", MeshAbi.Version)]
public sealed class InnerWardenIncidentsPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => IncidentsOptions.Definitions;

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = IncidentsOptions.Parse(context.Settings, context.Node.DataDirectory);
        services.AddSingleton<IDetectionSource>(sp => new IncidentsDetectionSource(
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<IncidentsDetectionSource>>()));
    }
}
