using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.DependencyInjection;
#if (IsTrust)
using InnerWarden.Mesh.Contracts.Trust;
#elif (IsStaging)
using InnerWarden.Mesh.Contracts.Staging;
#elif (IsEnforcer)
using InnerWarden.Mesh.Contracts.Enforcement;
using Microsoft.Extensions.Logging;
#elif (IsDetector)
using InnerWarden.Mesh.Contracts.Detections;
#elif (IsTransport)
using InnerWarden.Mesh.Contracts.Transport;
#endif

namespace MyPlugin;

/// <summary>
/// The plugin's one entry class. The host reads the attribute without constructing anything; when mesh.yaml
/// selects the plugin by name, it calls <see cref="Register"/> once at start. A setting that is wrong throws
/// here, so the agent refuses to start with a message naming it. <see cref="MeshAbi.Version"/> is a constant: the
/// contracts ABI this plugin is compiled against goes into its assembly, and a host that does not support it refuses
/// the plugin by name. The plugin's own version is the project's &lt;Version&gt;.
/// </summary>
#if (IsTrust)
[MeshPlugin(PluginKind.Trust, "myplugin", MeshAbi.Version)]
#elif (IsStaging)
[MeshPlugin(PluginKind.Staging, "myplugin", MeshAbi.Version)]
#elif (IsEnforcer)
[MeshPlugin(PluginKind.Enforcer, "myplugin", MeshAbi.Version)]
#elif (IsDetector)
[MeshPlugin(PluginKind.Detector, "myplugin", MeshAbi.Version)]
#elif (IsTransport)
[MeshPlugin(PluginKind.Transport, "myplugin", MeshAbi.Version)]
#endif
public sealed class PluginEntry : IMeshPlugin
{
    /// <summary>
    /// Every key of plugin_settings.myplugin, declared: the host refuses any other key and any value that does not fit,
    /// with the config file's line and column, before <see cref="Register"/> runs.
    /// </summary>
#if (IsTrust)
    public IReadOnlyList<PluginSettingDefinition> Settings { get; } =
    [
        PluginSettingDefinition.Number("trust", FixedTrustPolicy.DefaultTrust, 0, 1, "trust given to every identity"),
    ];
#elif (IsStaging)
    public IReadOnlyList<PluginSettingDefinition> Settings { get; } =
    [
        PluginSettingDefinition.Number("block_at", 0.5, 0, 1, "lowest weighted score that blocks"),
        PluginSettingDefinition.WholeNumber("ttl_secs", 3600, 1, 30 * 86400, "how long a block lasts unless confirmed"),
    ];
#elif (IsEnforcer)
    public IReadOnlyList<PluginSettingDefinition> Settings { get; } = [];
#elif (IsDetector)
    public IReadOnlyList<PluginSettingDefinition> Settings { get; } =
    [
        PluginSettingDefinition.FilePath("path", null, "the file addresses are appended to, one per line (required)"),
        PluginSettingDefinition.Number("confidence", 0.9, 0, 1, "confidence of each detection"),
    ];
#elif (IsTransport)
    public IReadOnlyList<PluginSettingDefinition> Settings { get; } =
    [
        PluginSettingDefinition.FilePath("directory", null, "the shared directory (default <data_dir>/myplugin)"),
    ];
#endif

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        // The same definitions read the values (the host has checked them already; a test calling Register directly
        // gets the same errors).
        var values = PluginSettingValues.Parse(context.Name, Settings, context.Settings);
#if (IsTrust)
        services.AddSingleton<ITrustPolicy>(new FixedTrustPolicy(values.GetNumber("trust")));
#elif (IsStaging)
        services.AddSingleton<IStagingPool>(new SingleBandStagingPool(values.GetNumber("block_at"), TimeSpan.FromSeconds(values.GetWholeNumber("ttl_secs"))));
#elif (IsEnforcer)
        _ = values;
        services.AddSingleton<IFirewallEnforcer>(sp => new MemoryEnforcer(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MemoryEnforcer>>()));
#elif (IsDetector)
        var path = values.GetText("path")
            ?? throw new ArgumentException($"plugin_settings.{context.Name}.path: required (the file to read addresses from)", nameof(context));
        var confidence = (float)values.GetNumber("confidence");
        services.AddSingleton<IDetectionSource>(sp => new FileDetectionSource(path, confidence, sp.GetRequiredService<TimeProvider>()));
#elif (IsTransport)
        var directory = values.GetText("directory") ?? Path.Combine(context.Node.DataDirectory, "myplugin");
        services.AddSingleton<IMeshTransport>(new DirectoryTransport(directory));
#endif
    }
}
