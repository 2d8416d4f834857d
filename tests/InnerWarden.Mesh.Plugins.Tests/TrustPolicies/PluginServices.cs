using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Plugins.Tests.TrustPolicies;

/// <summary>Registers a plugin the way the host does and resolves what it registered, so tests use only the contracts.</summary>
internal static class PluginServices
{
    public static T Resolve<T>(IMeshPlugin plugin, string name, IReadOnlyDictionary<string, string>? settings = null, int maxStaged = 10_000)
        where T : notnull
    {
        var node = new NodeSettings("127.0.0.1:0", "/nonexistent", TimeSpan.FromSeconds(30), true, 50, maxStaged, 0.5, [], []);
        var context = new PluginContext(name, "/nonexistent", settings ?? new Dictionary<string, string>(), node);
        var services = new ServiceCollection();
        plugin.Register(services, context);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<T>();
    }
}
