using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Plugins;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.IntegrationTests.Agent;

public sealed class NodeComposerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private MeshConfig Config()
    {
        var plugins = Path.Combine(_dir.Path, "plugins");
        PluginFolders.CopyInto(plugins, PluginFolders.Fixture());
        PluginFolders.CopyInto(plugins, PluginFolders.HostPlugins() + "/InnerWarden.Mesh.Enforcers.LogOnly");
        return MeshConfig.Default with
        {
            Enabled = true,
            PluginDirectory = plugins,
            Plugins = new PluginSelection("none", "stub-trust", "stub-staging", "log-only", ["isolation-probe"]),
            PluginSettings = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["stub-staging"] = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" },
            },
        };
    }

    [Fact]
    public async Task Two_nodes_share_one_catalog_but_own_their_plugin_instances()
    {
        var config = Config();
        var cache = new PluginCatalogCache();
        var time = new FakeTimeProvider();

        await using var a = NodeComposer.Compose(config, Path.Combine(_dir.Path, "a"), new NodeCompositionOptions(time, Bind: "127.0.0.1:0", Catalogs: cache));
        await using var b = NodeComposer.Compose(config, Path.Combine(_dir.Path, "b"), new NodeCompositionOptions(time, Catalogs: cache));

        Assert.Same(cache.GetOrLoad(config.ResolvePluginDirectory(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance),
            cache.GetOrLoad(config.ResolvePluginDirectory(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        Assert.NotSame(a.Parts.Enforcer, b.Parts.Enforcer);
        Assert.Equal("log-only", a.Parts.Enforcer.Name);
        Assert.Null(a.Parts.Transport);
        Assert.Equal("isolation-probe", Assert.Single(a.Parts.Detectors).Name);
        Assert.Equal(2, a.Parts.Staging.Count);
        Assert.Equal("127.0.0.1:0", a.Parts.Settings.Bind);
        Assert.Equal("0.0.0.0:8790", b.Parts.Settings.Bind);
        Assert.Equal(Path.Combine(_dir.Path, "a"), a.Parts.Settings.DataDirectory);
        Assert.Same(time, a.Parts.Time);
        Assert.Equal(64, a.Parts.Identity.NodeId.Length);
    }

    [Fact]
    public void Missing_selected_plugin_stops_composition_with_its_name()
    {
        var config = Config() with { Plugins = new PluginSelection("none", "tit-for-tat-nope", "stub-staging", "log-only", []) };

        var e = Assert.Throws<PluginLoadException>(() => NodeComposer.Compose(config, _dir.Path, new NodeCompositionOptions(Catalogs: new PluginCatalogCache())));

        Assert.StartsWith("no plugin named 'tit-for-tat-nope' of kind trust", e.Message, StringComparison.Ordinal);
    }
}
