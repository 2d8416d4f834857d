using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Enforcement;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Ownership;
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
    /// <summary>
    /// Composes a node, first resolving <c>enforcer: auto</c> to the first backend that starts on this machine
    /// (<see cref="EnforcerSelector"/>): every candidate is built in a throw-away service provider and initialized;
    /// the winner is then composed like an explicitly configured one.
    /// </summary>
    public static async Task<ComposedNode> ComposeAsync(MeshConfig config, string dataDirectory, NodeCompositionOptions? options, CancellationToken cancellationToken)
    {
        options ??= new NodeCompositionOptions();
        if (config.Plugins.Enforcer == PluginSelection.Auto)
        {
            var chosen = await ResolveAutoEnforcerAsync(config, dataDirectory, options, cancellationToken);
            config = config with { Plugins = config.Plugins with { Enforcer = chosen } };
        }
        return Compose(config, dataDirectory, options);
    }

    /// <summary>The name of the enforcer <c>auto</c> picks here; candidates not installed are skipped with that reason.</summary>
    public static async Task<string> ResolveAutoEnforcerAsync(MeshConfig config, string dataDirectory, NodeCompositionOptions options, CancellationToken cancellationToken)
    {
        var time = options.Time ?? TimeProvider.System;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("InnerWarden.Mesh.Host.Enforcement");
        var catalog = (options.Catalogs ?? PluginCatalogCache.Shared).GetOrLoad(config.ResolvePluginDirectory(), logger);
        var node = config.ToNodeSettings(dataDirectory);
        var probes = new List<ServiceProvider>();
        try
        {
            var candidates = new List<(string Name, Func<IFirewallEnforcer> Create)>();
            foreach (var name in EnforcerSelector.AutoOrder(catalog.Discovered.Select(d => d.Metadata)))
            {
                candidates.Add((name, () =>
                {
                    if (!catalog.TryGet(PluginKind.Enforcer, name, out var plugin))
                    {
                        throw new PluginLoadException($"plugin '{name}' is not installed in {catalog.Directory} or does not run on this OS");
                    }
                    var services = HostServices(time, node, loggerFactory);
                    PluginRegistrar.Register(services, [plugin], node, config.SettingsFor);
                    var provider = services.BuildServiceProvider();
                    probes.Add(provider);
                    return provider.GetRequiredService<IFirewallEnforcer>();
                }
                ));
            }
            var (_, chosen, _) = await EnforcerSelector.SelectAsync(candidates, logger, cancellationToken);
            return chosen;
        }
        finally
        {
            foreach (var probe in probes)
            {
                await probe.DisposeAsync();
            }
        }
    }

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
        var services = HostServices(time, node, loggerFactory);
        PluginRegistrar.Register(services, plugins, node, config.SettingsFor);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });
        NodeIdentity? identity = null;
        try
        {
            var resolved = PluginRegistrar.Resolve(provider, plugins);
            Directory.CreateDirectory(dataDirectory);
#pragma warning disable CA2000 // Owned by the returned ComposedNode (disposed with it), or disposed in the catch below.
            identity = NodeIdentity.LoadOrCreate(dataDirectory);
#pragma warning restore CA2000
            var parts = new MeshNodeParts(
                node, identity, resolved.Trust, resolved.Staging, resolved.Enforcer, resolved.Transport, resolved.Detectors, time, loggerFactory,
                SeenSignalCapacity: config.MaxSeenSignals, Audit: config.Audit, LateConfirmationWindow: TimeSpan.FromHours(config.LateConfirmationHours));
            return new ComposedNode(parts, provider, plugins);
        }
        catch
        {
            identity?.Dispose();
            provider.Dispose();
            throw;
        }
    }

    /// <summary>The singletons the host shares with every plugin of a node.</summary>
    private static ServiceCollection HostServices(TimeProvider time, NodeSettings node, ILoggerFactory loggerFactory)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddSingleton(node);
        services.AddSingleton<IPrivateDataFiles>(new PrivateDataFiles(node.DataDirectory));
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        return services;
    }
}
