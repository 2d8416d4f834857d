using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Detectors.LocalReport;

/// <summary>The <c>local-report</c> detector: a 0600 Unix socket in the data directory for <c>innerwarden mesh report</c>.</summary>
[MeshPlugin(PluginKind.Detector, "local-report", MeshAbi.Version, SupportedOS = "linux,osx")]
public sealed class LocalReportPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => LocalReportOptions.Definitions;

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = LocalReportOptions.Parse(context.Settings, context.Node.DataDirectory);
        services.AddSingleton<IDetectionSource>(sp => new LocalReportDetectionSource(
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LocalReportDetectionSource>>()));
    }
}
