using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Detectors.Sshd;

/// <summary>The <c>sshd</c> detector: SSH brute force from sshd's auth log or journald.</summary>
[MeshPlugin(PluginKind.Detector, "sshd", MeshAbi.Version, SupportedOS = "linux")]
public sealed class SshdDetectorPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => SshdOptions.Definitions;

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Parsed here so a bad setting stops the start with the key named, not later inside the agent loop.
        var options = SshdOptions.Parse(context.Settings);
        services.AddSingleton<IDetectionSource>(sp => new SshdDetectionSource(
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SshdDetectionSource>>()));
    }
}
