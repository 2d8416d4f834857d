using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Plugins;

/// <summary>
/// One <see cref="PluginCatalog"/> per plugin directory, so several nodes in one process (the demo, the
/// multi-node tests) load each plugin assembly once. Load contexts are never unloaded, so loading a folder
/// twice would only duplicate assemblies; a catalog holds no per-node state (entries only register services).
/// </summary>
internal sealed class PluginCatalogCache
{
    private readonly Dictionary<string, PluginCatalog> _catalogs = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The process's cache; tests that need a fresh catalog create their own instance.</summary>
    public static PluginCatalogCache Shared { get; } = new();

    /// <summary>The catalog of <paramref name="directory"/>, loading it on first use. A failed load is not cached.</summary>
    public PluginCatalog GetOrLoad(string directory, ILogger logger)
    {
        var key = Path.GetFullPath(directory);
        lock (_lock)
        {
            if (!_catalogs.TryGetValue(key, out var catalog))
            {
                catalog = PluginCatalog.Load(key, logger);
                _catalogs[key] = catalog;
            }
            return catalog;
        }
    }
}
