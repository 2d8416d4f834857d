using System.Globalization;
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
    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
#if (IsTrust)
        Settings.OnlyKnown(context, "trust");
        var trust = Settings.Number(context, "trust", FixedTrustPolicy.DefaultTrust, 0, 1);
        services.AddSingleton<ITrustPolicy>(new FixedTrustPolicy(trust));
#elif (IsStaging)
        Settings.OnlyKnown(context, "block_at", "ttl_secs");
        var blockAt = Settings.Number(context, "block_at", 0.5, 0, 1);
        var ttl = TimeSpan.FromSeconds(Settings.Number(context, "ttl_secs", 3600, 1, 30 * 86400));
        services.AddSingleton<IStagingPool>(new SingleBandStagingPool(blockAt, ttl));
#elif (IsEnforcer)
        Settings.OnlyKnown(context);
        services.AddSingleton<IFirewallEnforcer>(sp => new MemoryEnforcer(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MemoryEnforcer>>()));
#elif (IsDetector)
        Settings.OnlyKnown(context, "path", "confidence");
        var path = context.Settings.TryGetValue("path", out var p) && p.Length > 0
            ? p
            : throw new ArgumentException($"plugin_settings.{context.Name}.path: required (the file to read addresses from)", nameof(context));
        var confidence = (float)Settings.Number(context, "confidence", 0.9, 0, 1);
        services.AddSingleton<IDetectionSource>(sp => new FileDetectionSource(path, confidence, sp.GetRequiredService<TimeProvider>()));
#elif (IsTransport)
        Settings.OnlyKnown(context, "directory");
        var directory = context.Settings.TryGetValue("directory", out var d) && d.Length > 0
            ? d
            : Path.Combine(context.Node.DataDirectory, "myplugin");
        services.AddSingleton<IMeshTransport>(new DirectoryTransport(directory));
#endif
    }
}

/// <summary>Reads plugin_settings values; an unknown key or a bad value throws naming it.</summary>
internal static class Settings
{
    public static void OnlyKnown(PluginContext context, params string[] known)
    {
        foreach (var name in context.Settings.Keys)
        {
            if (!known.Contains(name))
            {
                var expected = known.Length == 0 ? "this plugin has no settings" : "known: " + string.Join(", ", known);
                throw new ArgumentException($"plugin_settings.{context.Name}.{name}: unknown setting ({expected})", nameof(context));
            }
        }
    }

    public static double Number(PluginContext context, string key, double fallback, double min, double max)
    {
        if (!context.Settings.TryGetValue(key, out var text))
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ArgumentException(
                $"plugin_settings.{context.Name}.{key}: '{text}' is not a number in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]",
                nameof(context));
        }
        return value;
    }
}
