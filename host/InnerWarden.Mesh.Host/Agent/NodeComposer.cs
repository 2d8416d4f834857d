using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>
/// Builds a node from config: loads (or reuses) the plugin catalog, constructs the selected plugins,
/// registers them into a fresh service collection with the host's singletons, resolves the contracts and
/// loads the identity. Holds no state, so one process can compose many nodes.
/// </summary>
internal static class NodeComposer
{
    /// <summary>Composes a node; throws <see cref="PluginLoadException"/> naming the plugin and folder when a plugin fails.</summary>
    public static ComposedNode Compose(MeshConfig config, string dataDirectory, NodeCompositionOptions? options = null)
    {
        options ??= new NodeCompositionOptions();
        if (options.Bind is { } bind)
        {
            config = config with { Bind = bind };
        }
        var time = options.Time ?? TimeProvider.System;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("InnerWarden.Mesh.Host.Plugins");
        var catalog = (options.Catalogs ?? PluginCatalogCache.Shared).GetOrLoad(config.ResolvePluginDirectory(), logger);
        var plugins = catalog.Select(config.Plugins);

        var node = config.ToNodeSettings(dataDirectory);
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddSingleton(node);
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        PluginRegistrar.Register(services, plugins, node, config.SettingsFor);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });
        NodeIdentity? identity = null;
        try
        {
            var resolved = PluginRegistrar.Resolve(provider, plugins);
            Directory.CreateDirectory(dataDirectory);
            identity = NodeIdentity.LoadOrCreate(dataDirectory);
            var parts = new MeshNodeParts(
                node, identity, resolved.Trust, resolved.Staging, resolved.Enforcer, resolved.Transport, resolved.Detectors, time, loggerFactory);
            return new ComposedNode(parts, provider, plugins);
        }
        catch
        {
            identity?.Dispose();
            provider.Dispose();
            throw;
        }
    }
}
