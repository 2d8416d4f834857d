using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Contracts.Trust;
using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Host.Plugins;

/// <summary>Registers selected plugins into a node's services and resolves what they provide, naming the plugin on every failure.</summary>
internal static class PluginRegistrar
{
    /// <summary>
    /// Calls each plugin's <see cref="IMeshPlugin.Register"/> with its <see cref="PluginContext"/>. Settings that do not fit the
    /// plugin's declaration (the agent's config check reports those first, with their positions; a config built in code meets
    /// them here), a plugin that throws, or one that does not register its kind's contract, are a <see cref="PluginLoadException"/>.
    /// </summary>
    public static void Register(
        IServiceCollection services,
        IReadOnlyList<LoadedPlugin> plugins,
        NodeSettings node,
        Func<string, IReadOnlyDictionary<string, string>> settingsFor)
    {
        foreach (var plugin in plugins)
        {
            var serviceType = PluginKinds.ServiceType(plugin.Kind);
            var before = services.Count(d => d.ServiceType == serviceType);
            try
            {
                var settings = settingsFor(plugin.Name);
                // No plugin sees a key it did not declare, however the config was made.
                PluginSettingValues.Parse(plugin.Name, plugin.Entry.Settings ?? [], settings, values => plugin.Entry.CheckSettings(values) ?? []);
                plugin.Entry.Register(services, new PluginContext(plugin.Name, plugin.Directory, settings, node));
            }
            catch (Exception e)
            {
                throw new PluginLoadException($"{plugin.Describe()} failed to register: {PluginCatalog.Describe(e)}", e);
            }
            if (services.Count(d => d.ServiceType == serviceType) <= before)
            {
                throw new PluginLoadException($"{plugin.Describe()} registered no {serviceType.Name}; {PluginKinds.WithArticle(plugin.Kind)} plugin must register one");
            }
        }
    }

    /// <summary>Resolves the contracts; a plugin service whose construction throws is reported with its plugin's name.</summary>
    public static PluginServices Resolve(IServiceProvider provider, IReadOnlyList<LoadedPlugin> plugins) => new(
        ResolveOne<ITrustPolicy>(provider, plugins, PluginKind.Trust),
        ResolveOne<IStagingPool>(provider, plugins, PluginKind.Staging),
        ResolveOne<IFirewallEnforcer>(provider, plugins, PluginKind.Enforcer),
        plugins.Any(p => p.Kind == PluginKind.Transport) ? ResolveOne<IMeshTransport>(provider, plugins, PluginKind.Transport) : null,
        Guard(plugins, PluginKind.Detector, () => provider.GetServices<IDetectionSource>().ToList()));

    private static T ResolveOne<T>(IServiceProvider provider, IReadOnlyList<LoadedPlugin> plugins, PluginKind kind)
        where T : notnull
    {
        if (!plugins.Any(p => p.Kind == kind))
        {
            throw new PluginLoadException($"no {PluginKinds.Display(kind)} plugin was selected");
        }
        return Guard(plugins, kind, provider.GetRequiredService<T>);
    }

    private static T Guard<T>(IReadOnlyList<LoadedPlugin> plugins, PluginKind kind, Func<T> resolve)
    {
        try
        {
            return resolve();
        }
        catch (Exception e)
        {
            var owners = string.Join(", ", plugins.Where(p => p.Kind == kind).Select(p => p.Describe()));
            throw new PluginLoadException($"{owners} failed to start: {PluginCatalog.Describe(e)}", e);
        }
    }
}
