using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Plugins;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.IntegrationTests.Config;

/// <summary>Every config file the repository ships passes the agent's whole check against the shipped plugins.</summary>
public sealed class ShippedConfigTests
{
    public static TheoryData<string> Files() =>
        [
            "packaging/mesh.yaml",
            .. Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "docker-test", "config"), "*.yaml")
                .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f))
                .Order(StringComparer.Ordinal),
        ];

    [Theory]
    [MemberData(nameof(Files))]
    public void A_shipped_config_passes_the_agents_check(string file)
    {
        var loaded = MeshConfigLoader.Read(Path.Combine(RepositoryRoot.Path, file));
        var catalogs = new PluginCatalogCache();
        // The shipped plugins, wherever the file expects them (docker-test names the install path).
        var local = loaded with { Config = loaded.Config with { PluginDirectory = PluginFolders.HostPlugins() } };

        var config = MeshConfigValidator.Validate(local, catalogs, NullLogger.Instance);

        Assert.NotNull(config);
    }
}
